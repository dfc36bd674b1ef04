// vanthu — small improvements over pages that work without JavaScript.
"use strict";

(function () {
  function csrfToken() {
    var el = document.querySelector("input[name=csrf_token]");
    return el ? el.value : "";
  }

  // --- search: each filter writes its term of the query syntax into the box ----------
  function quote(field, value) {
    value = value.replace(/"/g, " ").trim().replace(/\s+/g, " ");
    return /[\s():]/.test(value) ? field + ':"' + value + '"' : field + ":" + value;
  }
  function isoDate(text) {
    var m = /^(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})$/.exec(text.trim());
    if (!m) return text.trim();
    return m[3] + "-" + ("0" + m[2]).slice(-2) + "-" + ("0" + m[1]).slice(-2);
  }
  function initFilters() {
    var form = document.getElementById("search-form");
    var box = document.getElementById("q");
    if (!form || !box) return;
    var from = document.getElementById("f_from"), to = document.getElementById("f_to");
    function add(term) {
      if (box.value.indexOf(term) === -1) box.value = (box.value.trim() + " " + term).trim();
    }
    form.querySelectorAll("[data-field]").forEach(function (input) {
      input.addEventListener("change", function () {
        var field = input.dataset.field, value = input.value.trim();
        if (!value) return;
        if (field === "from" || field === "to") {
          var a = from.value.trim() ? isoDate(from.value) : "";
          var b = to.value.trim() ? isoDate(to.value) : "";
          box.value = box.value.replace(/(^|\s)date:\S+/g, " ").trim();
          add("date:" + a + ".." + b);
          return;
        }
        add(quote(field === "type" ? "type" : field, value));
        input.value = "";
      });
    });
    form.addEventListener("submit", function () {
      // the terms are in the box already: send only the box (a clean, shareable URL)
      form.querySelectorAll("[data-field]").forEach(function (input) { input.disabled = true; });
    });
  }

  // --- document: next/previous page and zoom without reloading ----------------------
  function initViewer() {
    var viewer = document.querySelector(".viewer[data-doc]");
    if (!viewer) return;
    var img = viewer.querySelector(".page-image");
    var pages = parseInt(viewer.dataset.pages, 10);
    var page = parseInt(viewer.dataset.page, 10);
    var frame = viewer.querySelector(".page-frame");
    var label = viewer.querySelector(".pageno");
    function show(n) {
      page = Math.min(Math.max(1, n), pages);
      var url = new URL(img.src, location.href);
      img.src = url.pathname.replace(/\/page\/\d+\.png$/, "/page/" + page + ".png") + url.search;
      img.alt = "Trang " + page + " của bản gốc";
      label.textContent = page;
      var here = new URL(location.href);
      here.searchParams.set("p", page);
      history.replaceState(null, "", here);
    }
    viewer.querySelectorAll("[data-step]").forEach(function (a) { a.remove(); });
    var nav = viewer.querySelector(".pagenav");
    function button(text, step) {
      var b = document.createElement("button");
      b.type = "button"; b.textContent = text; b.className = "link";
      b.addEventListener("click", function () { show(page + step); });
      return b;
    }
    if (pages > 1) {
      nav.insertBefore(button("‹ Trang trước", -1), nav.firstChild);
      nav.insertBefore(button("Trang sau ›", 1), nav.querySelector(".zoom"));
    }
    document.addEventListener("keydown", function (e) {
      if (e.target.closest("input, textarea, select")) return;
      if (e.key === "ArrowRight" || e.key === "PageDown") show(page + 1);
      if (e.key === "ArrowLeft" || e.key === "PageUp") show(page - 1);
    });
    frame.addEventListener("dblclick", function () { frame.classList.toggle("zoomed"); });
  }

  // --- chain: hovering a node shows its own citations ----------------------------------
  function initGraph() {
    var graph = document.getElementById("graph");
    if (!graph) return;
    var svg = graph.querySelector("svg");
    if (!svg) return;
    var edges = Array.prototype.slice.call(svg.querySelectorAll("g.edge"));
    svg.querySelectorAll("g.node").forEach(function (node) {
      var id = node.id;
      node.addEventListener("mouseenter", function () {
        graph.classList.add("focus");
        node.classList.add("hot");
        edges.forEach(function (e) {
          var t = e.querySelector("title").textContent.split("->");
          if (t[0] === id || t[1] === id) e.classList.add("hot");
        });
      });
      node.addEventListener("mouseleave", function () {
        graph.classList.remove("focus");
        svg.querySelectorAll(".hot").forEach(function (el) { el.classList.remove("hot"); });
      });
    });
  }

  // --- upload: progress of the transfer, then each file's state, live ------------------
  var LABELS = {queued: "đang chờ", reading: "đang đọc", stored: "đã lưu",
                duplicate: "đã có trong kho", failed: "lỗi"};
  function jobRow(job) {
    var tr = document.createElement("tr");
    tr.className = "job " + job.state;
    tr.dataset.job = job.id;
    var name = document.createElement("td"); name.textContent = job.filename;
    var state = document.createElement("td");
    var span = document.createElement("span");
    span.className = "state " + job.state;
    span.textContent = job.state === "reading" && job.pages_total
      ? "đang đọc trang " + job.pages_done + "/" + job.pages_total : (LABELS[job.state] || job.state);
    state.appendChild(span);
    var result = document.createElement("td");
    if (job.doc_id) {
      var a = document.createElement("a");
      a.href = "/d/" + encodeURIComponent(job.doc_id);
      a.textContent = job.state === "duplicate" ? "văn bản đã có" : "mở văn bản";
      result.appendChild(a);
    }
    if (job.error) {
      var err = document.createElement("span");
      err.className = "error-line"; err.textContent = " " + job.error;
      result.appendChild(err);
    }
    tr.append(name, state, result);
    return tr;
  }
  function poll(batch) {
    var rows = document.getElementById("job-rows");
    fetch("/api/jobs?batch=" + encodeURIComponent(batch), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        rows.replaceChildren.apply(rows, data.jobs.map(jobRow));
        var busy = data.jobs.some(function (j) { return j.state === "queued" || j.state === "reading"; });
        if (busy) setTimeout(function () { poll(batch); }, 1000);
      })
      .catch(function () { setTimeout(function () { poll(batch); }, 3000); });
  }
  function initUpload() {
    var form = document.getElementById("upload-form");
    var section = document.getElementById("batch");
    if (!form || !section) return;
    if (section.dataset.batch) poll(section.dataset.batch);
    var bar = document.getElementById("upload-progress");
    var status = document.getElementById("upload-status");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = new FormData(form);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/uploads");
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable) { bar.hidden = false; bar.value = Math.round(100 * ev.loaded / ev.total); }
        status.textContent = "Đang gửi tệp…";
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {error: xhr.statusText}; }
        bar.hidden = true;
        if (body.refused && body.refused.length) {
          status.textContent = "Không nhận: " + body.refused.join("; ");
          status.className = "error-line";
        } else if (xhr.status >= 400) {
          status.textContent = body.error || ("Lỗi " + xhr.status);
          status.className = "error-line";
        } else {
          status.textContent = "Đã nhận " + body.jobs.length + " tệp.";
          status.className = "";
        }
        if (body.batch && body.jobs && body.jobs.length) {
          history.replaceState(null, "", "/upload?batch=" + encodeURIComponent(body.batch));
          section.dataset.batch = body.batch;
          section.querySelector("h2").textContent = "Lần tải này";
          form.reset();
          poll(body.batch);
        }
      });
      xhr.addEventListener("error", function () {
        status.textContent = "Không gửi được tệp (mất kết nối?)";
        status.className = "error-line";
      });
      xhr.send(data);
    });
  }

  // --- review: Enter confirms the document's form (the browser's default), Escape skips --
  function initReview() {
    var forms = document.querySelectorAll("form.review-item");
    forms.forEach(function (form, i) {
      form.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && forms[i + 1]) {
          e.preventDefault();
          var next = forms[i + 1].querySelector("input:not([type=hidden])");
          if (next) next.focus();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initFilters(); initViewer(); initGraph(); initUpload(); initReview();
  });
})();
