/* Evidence upload: several files by drag and drop, checked in the browser, sent with a
   progress bar. A progressive enhancement: without this script the form posts as usual.
   No inline code, so it runs under a Content-Security-Policy of default-src 'self'. */
(function () {
  "use strict";

  function extensionOf(name) {
    var dot = name.lastIndexOf(".");
    return dot < 0 ? "" : name.slice(dot).toLowerCase();
  }

  function megabytes(bytes) {
    return (bytes / 1024 / 1024).toFixed(1).replace(".", ",") + " MB";
  }

  function enhance(form) {
    var input = form.querySelector('input[type="file"]');
    var kindSelect = form.querySelector('select[name="evidence_kind"]');
    var status = form.querySelector(".upload-status");
    var list = status.querySelector(".upload-files");
    var bar = status.querySelector("progress");
    var message = status.querySelector(".upload-message");
    var button = form.querySelector('button[type="submit"]');
    var maxBytes = parseInt(input.dataset.maxBytes, 10);
    // The server stops reading a body past this: all files of one sending together.
    var maxTotalBytes = parseInt(input.dataset.maxTotalBytes, 10);
    var accepted = (input.getAttribute("accept") || "").split(",");
    var missing = (input.dataset.missingKinds || "").split("\n").filter(Boolean);

    function refusal(file) {
      if (file.size === 0) {
        return "tệp rỗng";
      }
      if (file.size > maxBytes) {
        return "quá lớn (" + megabytes(file.size) + "; giới hạn " + megabytes(maxBytes) + ")";
      }
      if (accepted.indexOf(extensionOf(file.name)) < 0) {
        return "không nhận loại tệp này (chỉ nhận " + accepted.join(", ") + ")";
      }
      return "";
    }

    function render() {
      var files = Array.prototype.slice.call(input.files);
      list.textContent = "";
      message.textContent = "";
      bar.value = 0;
      status.hidden = files.length === 0;
      var refused = 0;
      files.forEach(function (file, index) {
        var row = document.createElement("li");
        var name = document.createElement("span");
        name.textContent = file.name + " (" + megabytes(file.size) + ")";
        row.appendChild(name);
        var problem = refusal(file);
        if (problem) {
          refused += 1;
          var why = document.createElement("span");
          why.className = "refused";
          why.textContent = "— " + problem;
          row.appendChild(why);
        } else if (kindSelect) {
          // One kind per file: the kinds still missing, in order, then the form's choice.
          var kind = kindSelect.cloneNode(true);
          kind.removeAttribute("id");
          kind.name = "kinds";
          kind.value = missing[index] || kindSelect.value;
          kind.setAttribute("aria-label", "Tệp " + file.name + ": minh chứng cho");
          row.appendChild(kind);
        }
        list.appendChild(row);
      });
      var total = files.reduce(function (sum, file) { return sum + file.size; }, 0);
      var tooMuch = total > maxTotalBytes;
      button.disabled = refused > 0 || tooMuch;
      if (refused) {
        message.textContent = "Chưa gửi: " + refused + " tệp không hợp lệ. Hãy chọn lại.";
      } else if (tooMuch) {
        message.textContent = "Chưa gửi: các tệp cộng lại " + megabytes(total) + ", quá giới hạn " +
          megabytes(maxTotalBytes) + " cho một lần gửi. Hãy gửi làm nhiều lần.";
      } else if (files.length) {
        message.textContent = "Sẵn sàng gửi " + files.length + " tệp.";
      }
    }

    function send(event) {
      var files = Array.prototype.slice.call(input.files);
      if (!files.length || !window.FormData) {
        return; // Nothing chosen: the browser's own validation speaks.
      }
      event.preventDefault();
      // The per-file kind selects are in the form, so they travel in file order.
      var data = new FormData(form);
      var request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("action") || window.location.href);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (progress) {
        if (progress.lengthComputable) {
          bar.value = Math.round((progress.loaded / progress.total) * 100);
          message.textContent = "Đang gửi… " + bar.value + "%";
        }
      });
      request.addEventListener("load", function () {
        var answer = {};
        try {
          answer = JSON.parse(request.responseText);
        } catch (error) {
          answer = { errors: ["Máy chủ trả lời không như mong đợi (mã " + request.status + ")."] };
        }
        if (request.status === 200 && answer.next) {
          bar.value = 100;
          message.textContent = "Đã gửi " + answer.count + " tệp.";
          window.location.assign(answer.next);
          return;
        }
        button.disabled = false;
        message.textContent = (answer.errors || ["Không gửi được."]).join(" ");
      });
      request.addEventListener("error", function () {
        button.disabled = false;
        message.textContent = "Mất kết nối tới máy chủ; chưa có tệp nào được lưu. Hãy thử lại.";
      });
      button.disabled = true;
      status.hidden = false;
      request.send(data);
    }

    form.addEventListener("dragover", function (event) {
      event.preventDefault();
      form.classList.add("drop-active");
    });
    form.addEventListener("dragleave", function () {
      form.classList.remove("drop-active");
    });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      form.classList.remove("drop-active");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        render();
      }
    });
    input.addEventListener("change", render);
    if (kindSelect) {
      // Choosing the form's kind after the files applies it to every file.
      kindSelect.addEventListener("change", function () {
        list.querySelectorAll('select[name="kinds"]').forEach(function (select) {
          select.value = kindSelect.value;
        });
      });
    }
    form.addEventListener("submit", send);
    // Files chosen before this script ran (a quick hand, a restored form) are checked too.
    if (input.files.length) {
      render();
    }
  }

  document.querySelectorAll("form[data-upload]").forEach(enhance);
})();
