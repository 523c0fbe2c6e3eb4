/* netlab --html: draws one trace from the JSON in #netlab-data (the netlab-trace-page document,
   version 1). Vanilla ES2017, no network request, no framework. Every text from the document
   reaches the DOM through textContent or setAttribute, never through innerHTML. */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var doc;
  try {
    doc = JSON.parse(document.getElementById("netlab-data").textContent);
  } catch (e) {
    document.getElementById("app").textContent =
      "netlab: the page's data cannot be read. 无法读取本页的数据。";
    return;
  }
  var steps = doc.steps || [];
  var total = steps.length;
  var langs = Object.keys(doc.text || {});
  var lang = doc.text && doc.text[doc.lang] ? doc.lang : langs[0] || "en";
  var current = 0; // 0: before the first step; 1..total: that step
  var timer = null;
  var ui = {}; // the elements that change with the step

  // ---------------------------------------------------------------- text

  function texts() {
    return (doc.text && doc.text[lang]) || {};
  }
  function other(key) {
    // the same key in the other language, used only when this one lacks it
    for (var i = 0; i < langs.length; i++) {
      var t = doc.text[langs[i]];
      if (t && t.ui && t.ui[key] != null) return t.ui[key];
    }
    return null;
  }
  function u(key, fallback) {
    var t = texts().ui || {};
    if (t[key] != null) return String(t[key]);
    var o = other(key);
    return o != null ? String(o) : fallback != null ? fallback : key;
  }
  function has(key) {
    var t = texts().ui || {};
    return t[key] != null;
  }
  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }
  function stepOf(n) {
    var v = { n: n, step: n, index: n, current: n, m: total, total: total, count: total, steps: total };
    return fill(u("step_of", "Step {n} of {m}"), v);
  }
  function nodeLabel(name) {
    var n = texts().nodes || {};
    return n[name] != null ? String(n[name]) : String(name);
  }
  function byIndex(map, step) {
    if (!map) return "";
    var v = map[String(step.index)];
    return v == null ? "" : String(v);
  }
  function noteOf(step) {
    return byIndex(texts().notes, step);
  }
  function summaryOf(step) {
    var s = byIndex(texts().summary, step);
    return s || step.event || step.protocol || "";
  }
  function tableTitle(key) {
    var t = texts().tables || {};
    return t[key] != null ? String(t[key]) : key;
  }
  function columnTitle(key, column) {
    var kind = key.split(":")[0];
    var c = (texts().columns || {})[kind] || {};
    return c[column] != null ? String(c[column]) : column;
  }
  function show(value) {
    if (value == null) return "";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }
  function filterFrame(filter) {
    var m = /frame\.number == (\d+)/.exec(filter || "");
    return m ? Number(m[1]) : null;
  }
  function time(t) {
    if (typeof t !== "number") return show(t);
    var ms = t * 1000;
    return Math.abs(ms - Math.round(ms)) < 1e-6 ? t.toFixed(3) : t.toFixed(6);
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    setAttrs(e, attrs);
    append(e, children);
    return e;
  }
  function sv(tag, attrs, children) {
    var e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    append(e, children);
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v == null || v === false) return;
      if (k === "text") e.textContent = String(v);
      else if (k === "class") e.setAttribute("class", v);
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, String(v));
    });
  }
  function append(e, children) {
    if (children == null) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c == null || c === false) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
  }
  function clear(e) {
    while (e.firstChild) e.removeChild(e.firstChild);
  }

  // ---------------------------------------------------------------- the diagram

  function receivers(step) {
    if (step.dst == null) return [];
    return step.to && step.to.length ? step.to : [step.dst];
  }

  function clip(text, chars) {
    text = String(text);
    return text.length > chars ? text.slice(0, Math.max(1, chars - 1)) + "…" : text;
  }

  function diagram() {
    var names = (doc.nodes || []).map(function (n) {
      return n.name;
    });
    // nodes a step names but the node list lacks still get a lane
    steps.forEach(function (s) {
      [s.src, s.dst].concat(s.to || []).forEach(function (n) {
        if (n != null && names.indexOf(n) < 0) names.push(n);
      });
    });
    var two = doc.lanes === "two";
    var gap = two ? 360 : names.length > 6 ? 130 : 160;
    var left = two ? 200 : 100;
    var right = two ? 190 : 150;
    var top = 48;
    var rowH = 36;
    var width = left + Math.max(0, names.length - 1) * gap + right;
    var height = top + total * rowH + 24;
    var x = {};
    names.forEach(function (n, i) {
      x[n] = left + i * gap;
    });
    var svg = sv("svg", {
      xmlns: SVG,
      width: width,
      height: height,
      viewBox: "0 0 " + width + " " + height,
      role: "img",
      "aria-label": u("diagram", texts().title || "diagram"),
    });
    var lanes = sv("g", { class: "lanes" });
    names.forEach(function (n) {
      lanes.appendChild(sv("line", { class: "lane", x1: x[n], y1: 30, x2: x[n], y2: height - 8 }));
      lanes.appendChild(
        sv("text", { class: "node-label", x: x[n], y: 20, "text-anchor": "middle", text: nodeLabel(n) })
      );
    });
    svg.appendChild(lanes);

    var last = {}; // state last written per node
    var labelChars = Math.floor((gap - 16) / 6.2);
    steps.forEach(function (s, i) {
      var y = top + i * rowH;
      var g = sv("g", { class: "step", "data-step": s.index });
      g.appendChild(sv("rect", { class: "row-bg", x: 0, y: y - rowH / 2, width: width, height: rowH }));
      g.appendChild(sv("text", { class: "step-no", x: 24, y: y + 4, "text-anchor": "end", text: String(s.index) }));
      g.appendChild(sv("text", { class: "step-no", x: 30, y: y + 4, text: time(s.time) }));
      var label = summaryOf(s);
      var sx = x[s.src];
      var rs = receivers(s);
      if (rs.length === 0 || sx == null) {
        var ex = sx != null ? sx : left;
        g.appendChild(sv("rect", { class: "event-mark", x: ex - 6, y: y - 6, width: 12, height: 12, rx: 2 }));
        var t = sv("text", { class: "label", x: ex + 10, y: y + 4, text: clip(label, labelChars) });
        t.appendChild(sv("title", { text: label }));
        g.appendChild(t);
      } else {
        rs.forEach(function (r, k) {
          var tx = x[r];
          if (tx == null || tx === sx) return;
          var dir = tx > sx ? 1 : -1;
          var y1 = y - 8;
          var y2 = y + 8;
          var end = s.lost ? sx + (tx - sx) * 0.6 : tx - dir * 2;
          var endY = s.lost ? y1 + (y2 - y1) * 0.6 : y2;
          var a = sv("g", { class: s.lost ? "arrow lost" : "arrow", "data-to": r });
          a.appendChild(sv("line", { x1: sx, y1: y1, x2: end, y2: endY }));
          var ang = Math.atan2(endY - y1, end - sx);
          var p = function (d, off) {
            return [end - d * Math.cos(ang) - off * Math.sin(ang), endY - d * Math.sin(ang) + off * Math.cos(ang)];
          };
          var b1 = p(9, 4);
          var b2 = p(9, -4);
          a.appendChild(
            sv("polygon", { points: [end, endY].join(",") + " " + b1.join(",") + " " + b2.join(",") })
          );
          if (s.lost) {
            a.appendChild(sv("text", { class: "cross", x: end + dir * 6, y: endY + 5, "text-anchor": "middle", text: "✗" }));
          }
          g.appendChild(a);
          if (k === 0) {
            var mid = (sx + (s.lost ? end : tx)) / 2;
            var chars = Math.max(labelChars, Math.floor(Math.abs(tx - sx) / 6.4));
            var lt = sv("text", { class: "label", x: mid, y: y1 - 4, "text-anchor": "middle", text: clip(label, chars) });
            lt.appendChild(sv("title", { text: label }));
            g.appendChild(lt);
          }
        });
      }
      // states written beside the lanes where they change
      Object.keys(s.states || {}).forEach(function (n) {
        var v = show(s.states[n]);
        if (last[n] === v || x[n] == null) return;
        last[n] = v;
        var side = two && names.indexOf(n) === 0 ? -1 : 1;
        g.appendChild(
          sv("text", {
            class: "state",
            x: x[n] + side * 6,
            y: y + 15,
            "text-anchor": side < 0 ? "end" : "start",
            text: v,
          })
        );
      });
      g.addEventListener("click", function () {
        go(s.index, true);
      });
      svg.appendChild(g);
    });
    return svg;
  }

  // ---------------------------------------------------------------- packet panes

  function layerTree(step) {
    var box = el("div", { class: "tree" });
    var layers = step.layers || [];
    if (!layers.length || typeof layers[0] !== "object") {
      box.appendChild(el("p", { class: "muted", text: u("no_packet", "") }));
      return box;
    }
    layers.forEach(function (layer) {
      var d = el("details", { open: "" });
      var range = " [" + layer.start + "–" + layer.end + ")";
      var sum = el("summary", { "data-start": layer.start, "data-end": layer.end }, [
        el("span", { class: "layer-name", text: show(layer.name) }),
        el("span", { class: "muted", text: range }),
      ]);
      sum.addEventListener("mouseenter", function () {
        markLayer(layer.start, layer.end, true);
      });
      sum.addEventListener("mouseleave", function () {
        markLayer(0, 0, false);
      });
      d.appendChild(sum);
      var list = el("ul");
      (layer.fields || []).forEach(function (f) {
        var li = el("li", {
          class: "field",
          tabindex: 0,
          "data-field": f.name,
          "data-start": f.start,
          "data-end": f.end,
          text: show(f.name) + ": " + show(f.value),
        });
        var on = function () {
          highlight(f.start, f.end, li);
        };
        var off = function () {
          highlight(0, 0, null);
        };
        li.addEventListener("mouseenter", on);
        li.addEventListener("focus", on);
        li.addEventListener("mouseleave", off);
        li.addEventListener("blur", off);
        list.appendChild(li);
      });
      d.appendChild(list);
      box.appendChild(d);
    });
    return box;
  }

  function hexdump(step) {
    var box = el("div", { class: "hexdump mono", role: "group" });
    var hex = step.bytes || "";
    if (!hex) {
      box.appendChild(el("p", { class: "muted", text: u("no_packet", "") }));
      return box;
    }
    var n = hex.length / 2;
    for (var off = 0; off < n; off += 16) {
      var row = el("div", { class: "hex-row" });
      row.appendChild(el("span", { class: "hex-off", text: ("000" + off.toString(16)).slice(-4) }));
      var bytes = el("span", { class: "hex-bytes" });
      var ascii = el("span", { class: "hex-ascii" });
      for (var i = off; i < Math.min(off + 16, n); i++) {
        var h = hex.substr(i * 2, 2);
        var c = parseInt(h, 16);
        bytes.appendChild(el("span", { class: "b", "data-off": i, text: h }));
        ascii.appendChild(
          el("span", { class: "a", "data-off": i, text: c >= 32 && c < 127 ? String.fromCharCode(c) : "." })
        );
        if (i < Math.min(off + 16, n) - 1) bytes.appendChild(document.createTextNode(" "));
      }
      row.appendChild(bytes);
      row.appendChild(ascii);
      box.appendChild(row);
    }
    box.addEventListener("mouseover", function (ev) {
      var t = ev.target;
      if (!t || !t.getAttribute || t.getAttribute("data-off") == null) return;
      var o = Number(t.getAttribute("data-off"));
      var f = fieldAt(o);
      if (f) highlight(Number(f.getAttribute("data-start")), Number(f.getAttribute("data-end")), f);
      else highlight(o, o + 1, null);
    });
    box.addEventListener("mouseleave", function () {
      highlight(0, 0, null);
    });
    return box;
  }

  function fieldAt(offset) {
    // the narrowest field whose bytes hold this offset
    var best = null;
    var size = Infinity;
    ui.tree.querySelectorAll(".field").forEach(function (f) {
      var s = Number(f.getAttribute("data-start"));
      var e = Number(f.getAttribute("data-end"));
      if (offset >= s && offset < e && e - s < size) {
        best = f;
        size = e - s;
      }
    });
    return best;
  }

  function highlight(start, end, field) {
    ui.tree.querySelectorAll(".field.hl").forEach(function (f) {
      f.classList.remove("hl");
    });
    if (field) field.classList.add("hl");
    ui.hex.querySelectorAll(".b, .a").forEach(function (b) {
      var o = Number(b.getAttribute("data-off"));
      b.classList.toggle("hl", o >= start && o < end);
    });
  }

  function markLayer(start, end, on) {
    ui.hex.querySelectorAll(".b, .a").forEach(function (b) {
      var o = Number(b.getAttribute("data-off"));
      b.classList.toggle("layer-hl", on && o >= start && o < end);
    });
  }

  // ---------------------------------------------------------------- tables

  function tableOf(key, table, caption) {
    var columns = table.columns || [];
    var fig = el("figure", { "data-table": key });
    if (caption) fig.appendChild(el("figcaption", { text: tableTitle(key) }));
    var t = el("table");
    var head = el("tr");
    columns.forEach(function (c) {
      head.appendChild(el("th", { scope: "col", text: columnTitle(key, c) }));
    });
    t.appendChild(el("thead", null, head));
    var body = el("tbody");
    (table.rows || []).forEach(function (r) {
      var tr = el("tr");
      r.forEach(function (cell) {
        tr.appendChild(el("td", { text: show(cell) }));
      });
      body.appendChild(tr);
    });
    if (!(table.rows || []).length) {
      body.appendChild(el("tr", null, el("td", { colspan: Math.max(1, columns.length), class: "muted", text: u("tables_empty", "—") })));
    }
    t.appendChild(body);
    fig.appendChild(el("div", { class: "table-wrap" }, t));
    return fig;
  }

  function stepTable() {
    var cols = [u("no", "#"), u("time", "time"), u("from", "from"), u("to", "to"), u("protocol", "protocol"), u("info", "info")];
    var t = el("table", { class: "steps-table" });
    var head = el("tr");
    cols.forEach(function (c, i) {
      head.appendChild(el("th", { scope: "col", class: i === 1 ? "col-time" : null, text: c }));
    });
    t.appendChild(el("thead", null, head));
    var body = el("tbody");
    ui.rows = [];
    steps.forEach(function (s) {
      var to = receivers(s).map(nodeLabel).join(", ");
      var toCell = el("td", { text: to });
      if (s.lost) toCell.appendChild(el("span", { class: "lost", text: " ✗ " + u("lost", "lost") }));
      var tr = el("tr", { class: "step-row", tabindex: 0, "data-step": s.index }, [
        el("td", { text: String(s.index) }),
        el("td", { class: "mono col-time", text: time(s.time) }),
        el("td", { text: s.src == null ? "" : nodeLabel(s.src) }),
        toCell,
        el("td", { text: show(s.protocol) }),
        // Wireshark's Info column for a frame (tshark's own line); a local event's summary
        el("td", { class: "col-info", text: s.info || summaryOf(s) }),
      ]);
      tr.addEventListener("click", function () {
        go(s.index, true);
      });
      tr.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") {
          ev.preventDefault();
          go(s.index, true);
        }
      });
      ui.rows.push(tr);
      body.appendChild(tr);
      // the note under its step: shown on paper only
      body.appendChild(
        el("tr", { class: "print-note", "aria-hidden": "true" }, [el("td"), el("td", { colspan: 5, text: noteOf(s) })])
      );
    });
    t.appendChild(body);
    return el("div", { class: "table-wrap" }, t);
  }

  // ---------------------------------------------------------------- the page

  function build() {
    var app = document.getElementById("app");
    clear(app);
    var T = texts();
    document.documentElement.setAttribute("lang", lang === "zh" ? "zh-CN" : lang);
    if (T.title) document.title = String(T.title);

    // header: title, command, language toggle, header lines
    var titles = el("div", { class: "titles" }, [el("h1", { text: T.title || "netlab" })]);
    if (doc.command) {
      titles.appendChild(
        el("p", { class: "command" }, [has("command") ? u("command") + " " : null, el("code", { text: doc.command })])
      );
    }
    var toggle = null;
    if (langs.length > 1) {
      var next = langs[(langs.indexOf(lang) + 1) % langs.length];
      var nui = doc.text[next].ui || {};
      var name = nui.language_name || nui.language || next;
      toggle = el("button", {
        type: "button",
        class: "lang-toggle",
        id: "lang-toggle",
        lang: next === "zh" ? "zh-CN" : next,
        "aria-label": u("language", "language") + ": " + name,
        text: name,
      });
      toggle.addEventListener("click", function () {
        lang = next;
        build();
        document.getElementById("lang-toggle").focus();
      });
    }
    var header = el("header", { class: "top" }, [titles, toggle]);
    app.appendChild(header);
    if (T.header && T.header.length) {
      var hl = el("ul", { class: "header-lines" });
      T.header.forEach(function (line) {
        hl.appendChild(el("li", { text: line }));
      });
      app.appendChild(hl);
    }

    var main = el("main");
    app.appendChild(main);

    // the diagram, in its own scroll box
    ui.svg = diagram();
    var box = el("div", { class: "diagram-box", tabindex: 0, role: "region", "aria-label": u("diagram", T.title || "diagram") }, ui.svg);
    main.appendChild(box);

    // playback
    var mk = function (key, fn, id) {
      var b = el("button", { type: "button", id: id, text: u(key) });
      b.addEventListener("click", fn);
      return b;
    };
    ui.back = mk("back", function () { stop(); go(current - 1, true); }, "btn-back");
    ui.next = mk("next", function () { stop(); go(current + 1, true); }, "btn-next");
    ui.play = mk("play", function () { toggle_play(); }, "btn-play");
    ui.reset = mk("reset", function () { stop(); go(0, true); }, "btn-reset");
    ui.stepOf = el("span", { class: "step-of", id: "step-of" });
    main.appendChild(el("nav", { class: "playback", "aria-label": u("playback", "playback") }, [ui.back, ui.next, ui.play, ui.reset, ui.stepOf]));
    ui.note = el("div", { class: "note", id: "note", "aria-live": "polite" });
    main.appendChild(ui.note);
    if (has("keyboard")) main.appendChild(el("p", { class: "muted keys", text: u("keyboard") }));

    // packet panes
    ui.tree = el("div");
    ui.hex = el("div");
    main.appendChild(
      el("div", { class: "panes" }, [
        el("section", { class: "pane", id: "pane-layers" }, [el("h2", { text: u("layers") }), ui.tree]),
        el("section", { class: "pane", id: "pane-bytes" }, [el("h2", { text: u("bytes") }), ui.hex]),
      ])
    );

    // reproduce it
    ui.repro = el("dl");
    main.appendChild(el("section", { class: "reproduce", id: "reproduce" }, [has("reproduce") ? el("h2", { text: u("reproduce") }) : null, ui.repro]));

    // tables after the current step
    ui.tables = el("div", { class: "tables-grid" });
    ui.tablesSection = el("section", { class: "current-tables", id: "tables" }, [el("h2", { text: u("tables") }), ui.tables]);
    main.appendChild(ui.tablesSection);

    // the step table
    main.appendChild(el("section", { id: "step-table" }, [el("h2", { text: u("step_table") }), stepTable()]));

    if (T.remember && T.remember.length) {
      var rl = el("ul", { class: "remember" });
      T.remember.forEach(function (line) {
        rl.appendChild(el("li", { text: line }));
      });
      main.appendChild(el("section", { id: "remember" }, [has("remember") ? el("h2", { text: u("remember") }) : null, rl]));
    }
    render(false);
  }

  function render(moveFocus) {
    var s = current > 0 ? steps[current - 1] : null;
    ui.stepOf.textContent = stepOf(current);
    ui.back.disabled = current <= 0;
    ui.next.disabled = current >= total;
    ui.play.textContent = timer ? u("pause") : u("play");
    ui.play.setAttribute("aria-pressed", timer ? "true" : "false");
    ui.note.textContent = s ? noteOf(s) : u("start", "");

    ui.svg.querySelectorAll("g.step").forEach(function (g) {
      var on = s && Number(g.getAttribute("data-step")) === s.index;
      g.classList.toggle("current", !!on);
      if (on) g.setAttribute("aria-current", "step");
      else g.removeAttribute("aria-current");
    });
    ui.rows.forEach(function (r) {
      if (s && Number(r.getAttribute("data-step")) === s.index) r.setAttribute("aria-current", "step");
      else r.removeAttribute("aria-current");
    });

    clear(ui.tree);
    clear(ui.hex);
    if (s) {
      ui.tree.appendChild(layerTree(s));
      ui.hex.appendChild(hexdump(s));
    } else {
      ui.tree.appendChild(el("p", { class: "muted", text: u("no_packet", "") }));
    }

    clear(ui.repro);
    if (s) {
      var hint = byIndex(texts().terminal, s);
      if (s.terminal || hint) {
        ui.repro.appendChild(el("dt", { text: u("reproduce_terminal") }));
        ui.repro.appendChild(
          el("dd", null, [
            s.terminal ? el("code", { id: "repro-terminal", text: show(s.terminal) }) : null,
            hint ? el("div", { class: "muted", text: hint }) : null,
          ])
        );
      }
      ui.repro.appendChild(el("dt", { text: u("reproduce_wireshark") }));
      var frame = s.frame != null ? s.frame : filterFrame(s.filter);
      ui.repro.appendChild(
        el(
          "dd",
          null,
          s.filter
            ? [
                el("code", { id: "repro-filter", text: s.filter }),
                has("copy_filter") && frame != null ? el("div", { class: "muted", text: fill(u("copy_filter"), { frame: frame }) }) : null,
              ]
            : el("span", { class: "muted", text: u("no_filter", u("no_packet", "")) })
        )
      );
      var names = Object.keys(s.states || {});
      if (names.length) {
        ui.repro.appendChild(el("dt", { text: texts().states_title || u("states", "states") }));
        ui.repro.appendChild(
          el(
            "dd",
            { id: "repro-states" },
            names.map(function (n, i) {
              return (i ? ", " : "") + nodeLabel(n) + ": " + show(s.states[n]);
            }).join("")
          )
        );
      }
    }

    clear(ui.tables);
    var keys = s ? Object.keys(s.tables || {}) : [];
    ui.tablesSection.hidden = keys.length === 0;
    keys.forEach(function (k) {
      ui.tables.appendChild(tableOf(k, s.tables[k], true));
    });

    if (moveFocus && s) {
      var g = ui.svg.querySelector('g.step[data-step="' + s.index + '"]');
      var box = ui.svg.parentNode;
      if (g && box) {
        var bb = g.getBBox();
        var y = bb.y;
        var rect = box.getBoundingClientRect();
        var top = rect.top + window.scrollY + y;
        if (top < window.scrollY + 40 || top > window.scrollY + window.innerHeight - 120) {
          window.scrollTo({ top: Math.max(0, top - window.innerHeight / 3) });
        }
      }
    }
  }

  function go(n, updateHash) {
    n = Math.max(0, Math.min(total, Math.floor(Number(n) || 0)));
    current = n;
    if (updateHash) {
      var h = "#step=" + n;
      if (location.hash !== h) {
        try {
          history.replaceState(null, "", h);
        } catch (e) {
          location.hash = h;
        }
      }
    }
    render(updateHash);
  }

  function stop() {
    if (timer) {
      clearInterval(timer);
      timer = null;
      render(false);
    }
  }

  function toggle_play() {
    if (timer) {
      stop();
      return;
    }
    if (current >= total) go(0, true);
    timer = setInterval(function () {
      if (current >= total) {
        stop();
        return;
      }
      go(current + 1, true);
    }, 1200);
    render(false);
  }

  function fromHash() {
    var m = /(?:^#|&)step=(\d+)/.exec(location.hash || "");
    return m ? Number(m[1]) : null;
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var t = ev.target;
    var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (ev.key === "ArrowRight") {
      stop();
      go(current + 1, true);
    } else if (ev.key === "ArrowLeft") {
      stop();
      go(current - 1, true);
    } else if (ev.key === "Home") {
      stop();
      go(0, true);
    } else if (ev.key === " " || ev.key === "Spacebar") {
      if (tag === "button" || tag === "summary" || tag === "a") return;
      toggle_play();
    } else if (ev.key === "End") {
      stop();
      go(total, true);
    } else return;
    ev.preventDefault();
  });

  window.addEventListener("hashchange", function () {
    var n = fromHash();
    if (n != null && n !== current) {
      stop();
      go(n, false);
    }
  });

  build();
  var start = fromHash();
  if (start != null) go(start, false);
  document.documentElement.setAttribute("data-netlab-ready", "1");
  // for benchmarks/html_page.py: the diagram is in the DOM, then drawn on the next frame
  if (window.performance && performance.mark) {
    performance.mark("netlab-ready");
    requestAnimationFrame(function () {
      performance.mark("netlab-drawn");
    });
  }
})();
