/* The 5W web grid: keyboard entry, live totals and the clearing of cascading selects.
 *
 * The option lists themselves come from the server through htmx attributes on the selects
 * (activity -> indicators, region -> cercles -> communes). No inline script or style anywhere:
 * the Content-Security-Policy forbids them.
 *
 * Keyboard: Tab / Shift+Tab move between cells (the browser's own order); Enter goes to the first
 * cell of the next line, adding a line after the last one; Ctrl+Enter (or Cmd+Enter) saves.
 */
(function () {
  "use strict";

  var form = document.getElementById("grid-form");
  if (!form || !form.dataset.editable) {
    return;
  }
  var body = document.getElementById("grid-body");
  var addButton = document.getElementById("add-lines");

  function gridLines() {
    return body.querySelectorAll("tr.grid-line");
  }

  function nextIndex() {
    var highest = -1;
    gridLines().forEach(function (line) {
      var index = parseInt(line.getAttribute("data-line"), 10);
      if (!isNaN(index) && index > highest) {
        highest = index;
      }
    });
    return highest + 1;
  }

  function firstField(line) {
    return line.querySelector("select, input:not([type=hidden]), textarea");
  }

  function focusLine(line) {
    var field = line && firstField(line);
    if (field) {
      field.focus();
    }
  }

  function nextLine(line) {
    var next = line.nextElementSibling;
    while (next && !next.classList.contains("grid-line")) {
      next = next.nextElementSibling;
    }
    return next;
  }

  function linesUrl(count) {
    var url = form.getAttribute("data-lines-url");
    var separator = url.indexOf("?") === -1 ? "?" : "&";
    return url + separator + "start=" + nextIndex() + "&count=" + count;
  }

  function addLines(count) {
    return window.htmx.ajax("GET", linesUrl(count), { target: "#grid-body", swap: "beforeend" });
  }

  // The "add 10 lines" button is an htmx button; the first new line number is only known here.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (addButton && event.detail.elt === addButton) {
      event.detail.path = linesUrl(10);
    }
  });

  // Live total: the sum of the sex and age bands, as soon as one of them holds a number.
  form.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("sexage")) {
      return;
    }
    var line = target.closest("tr.grid-line");
    var sum = 0;
    var any = false;
    line.querySelectorAll("input.sexage").forEach(function (input) {
      if (input.value !== "") {
        var value = parseInt(input.value, 10);
        if (!isNaN(value)) {
          any = true;
          sum += value;
        }
      }
    });
    var total = line.querySelector("input.f-total");
    if (total && any) {
      total.value = String(sum);
    }
  });

  function clearSelect(line, name) {
    var select = line.querySelector("select.f-" + name);
    if (select) {
      while (select.options.length > 1) {
        select.remove(1);
      }
      select.value = "";
    }
  }

  // A new parent empties the lists below it until the server sends the new ones.
  form.addEventListener("change", function (event) {
    var target = event.target;
    var line = target.closest && target.closest("tr.grid-line");
    if (!line) {
      return;
    }
    line.classList.remove("blank");
    if (target.classList.contains("f-admin1_pcode")) {
      clearSelect(line, "admin3_pcode");
    } else if (target.classList.contains("f-activity")) {
      clearSelect(line, "indicator");
    }
  });

  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) {
      return;
    }
    var target = event.target;
    var tag = target.tagName;
    if (tag === "BUTTON" || tag === "A" || tag === "TEXTAREA") {
      return;
    }
    var line = target.closest("tr.grid-line");
    if (!line) {
      return;
    }
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      form.requestSubmit();
      return;
    }
    var next = nextLine(line);
    if (next) {
      focusLine(next);
      return;
    }
    addLines(1).then(function () {
      var all = gridLines();
      focusLine(all[all.length - 1]);
    });
  });

  // Start where the work is: the first cell with a problem; or, in an empty grid, its first
  // line. A grid with lines opens at the top (focusing the empty lines below them scrolled the
  // page to the bottom).
  var invalid = form.querySelector("[aria-invalid=true]");
  if (invalid) {
    invalid.focus();
  } else {
    var first = body.querySelector("tr.grid-line");
    if (first && first.classList.contains("blank")) {
      focusLine(first);
    }
  }
})();
