/* The intake page (登记来电), keyboard first:
 * - the lookup: typing lists the matching households and shows the best match's household beside
 *   the list; ↓/↑ walk the list (the panel follows), Enter picks;
 * - the suggestion: as the title and description are typed, the kind, category and department the
 *   words suggest are pre-selected (fields the clerk set by hand are left alone); Alt+J takes the
 *   whole suggestion (also the related room); the clerk can change any field afterwards;
 * - the category is a type-ahead: name, pinyin initials (lsss) or full pinyin;
 * - Ctrl+Enter registers, Ctrl+Shift+Enter registers and dispatches to the chosen department.
 */
(function () {
  "use strict";
  const script = document.getElementById("intake-script");
  const form = document.getElementById("intake-form");
  const $ = (id) => document.getElementById(id);
  const project = $("id_project");
  const categorySelect = $("id_category");
  const categoryInput = $("category-input");
  const categoryList = $("category-list");
  const department = $("id_department");
  const manual = new Set(); // fields the clerk set by hand: kind, category, department, related
  let current = null; // the latest suggestion

  form.querySelectorAll("input[type=text], input:not([type]), select, textarea").forEach((el) => {
    if (el.id === "lookup") return;
    el.classList.add(el.tagName === "SELECT" ? "form-select" : "form-control");
  });
  form.querySelectorAll("[aria-invalid=true]").forEach((el) => el.classList.add("is-invalid"));

  // ------------------------------------------------------------ kind
  function syncKind() {
    const kind = form.querySelector("input[name=kind]:checked").value;
    form.querySelectorAll(".kind-complaint").forEach((el) => el.classList.toggle("d-none", kind !== "complaint"));
    form.querySelectorAll(".kind-repair").forEach((el) => el.classList.toggle("d-none", kind !== "repair"));
  }
  form.querySelectorAll("input[name=kind]").forEach((el) =>
    el.addEventListener("change", (e) => {
      if (e.isTrusted) manual.add("kind");
      unmark("kind-group");
      syncKind();
    })
  );
  syncKind();

  // ------------------------------------------------------------ departments of the chosen project
  function syncDepartments() {
    for (const option of department.options) {
      if (!option.value) continue;
      option.hidden = option.dataset.project !== project.value;
      if (option.hidden && option.selected) department.value = "";
    }
  }
  project.addEventListener("change", syncDepartments);
  department.addEventListener("change", (e) => {
    if (e.isTrusted) manual.add("department");
    unmark("id_department");
  });
  syncDepartments();

  // ------------------------------------------------------------ category type-ahead
  const categories = Array.from(categorySelect.options)
    .filter((o) => o.value)
    .map((o) => ({ value: o.value, label: o.textContent.trim(), keys: (o.dataset.keys || "").split(" ") }));
  let shown = [];
  let active = -1;

  function labelOf(value) {
    const found = categories.find((c) => c.value === String(value));
    return found ? found.label : "";
  }
  function matches(q) {
    q = q.trim().toLowerCase();
    if (!q) return categories.slice();
    return categories.filter(
      (c) => c.label.toLowerCase().includes(q) || c.keys.some((k) => k.startsWith(q))
    );
  }
  function drawList() {
    categoryList.innerHTML = "";
    shown.forEach((c, i) => {
      const li = document.createElement("li");
      li.className = "list-group-item list-group-item-action py-1" + (i === active ? " active" : "");
      li.setAttribute("role", "option");
      li.id = "category-option-" + c.value;
      li.textContent = c.label;
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        chooseCategory(c.value, true);
      });
      categoryList.appendChild(li);
    });
    const open = shown.length > 0;
    categoryList.classList.toggle("d-none", !open);
    categoryInput.setAttribute("aria-expanded", open ? "true" : "false");
    if (active >= 0 && shown[active]) categoryInput.setAttribute("aria-activedescendant", "category-option-" + shown[active].value);
    else categoryInput.removeAttribute("aria-activedescendant");
  }
  function closeList() {
    shown = [];
    active = -1;
    drawList();
  }
  function chooseCategory(value, byHand) {
    categorySelect.value = value || "";
    categoryInput.value = labelOf(value);
    if (byHand) {
      manual.add("category");
      unmark("category-input");
    }
    closeList();
  }
  categoryInput.value = labelOf(categorySelect.value);
  categoryInput.addEventListener("input", () => {
    shown = matches(categoryInput.value);
    active = shown.length ? 0 : -1;
    if (!categoryInput.value.trim()) {
      categorySelect.value = "";
      manual.add("category");
    }
    drawList();
  });
  categoryInput.addEventListener("focus", () => categoryInput.select());
  categoryInput.addEventListener("keydown", (e) => {
    const open = shown.length > 0;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!open) shown = matches(categoryInput.value === labelOf(categorySelect.value) ? "" : categoryInput.value);
      const step = e.key === "ArrowDown" ? 1 : -1;
      active = shown.length ? (active + step + shown.length) % shown.length : -1;
      drawList();
    } else if (e.key === "Enter" && !e.ctrlKey && !e.metaKey && open && active >= 0) {
      e.preventDefault();
      chooseCategory(shown[active].value, true);
    } else if (e.key === "Tab" && open && active >= 0 && categoryInput.value.trim()) {
      chooseCategory(shown[active].value, true); // the focus moves on as usual
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      closeList();
    }
  });
  categoryInput.addEventListener("blur", () => {
    if (categoryInput.value.trim() && categoryInput.value !== labelOf(categorySelect.value)) {
      const found = matches(categoryInput.value);
      if (found.length === 1) chooseCategory(found[0].value, true);
      else categoryInput.value = labelOf(categorySelect.value);
    }
    closeList();
  });

  // ------------------------------------------------------------ the household lookup
  const results = $("lookup-results");
  const household = $("household");
  const hint = $("household-hint");
  let previewed = "";

  function showHousehold(roomId, preview) {
    hint.classList.toggle("d-none", !preview);
    if (roomId === previewed) return;
    previewed = roomId;
    htmx.ajax("GET", script.dataset.household + "?room=" + encodeURIComponent(roomId), { target: "#household" });
  }
  function chooseRoom(item) {
    $("id_room").value = item.dataset.room;
    $("id_resident").value = item.dataset.resident || "";
    if (item.dataset.name && !$("id_caller_name").value) $("id_caller_name").value = item.dataset.name;
    if (item.dataset.phone && !$("id_caller_phone").value) $("id_caller_phone").value = item.dataset.phone;
    if (item.dataset.project && project.value !== item.dataset.project) {
      project.value = item.dataset.project;
      syncDepartments();
    }
    $("chosen-room-label").textContent = item.dataset.label;
    $("chosen-room").classList.remove("d-none");
    results.innerHTML = "";
    $("lookup").setAttribute("aria-expanded", "false");
    showHousehold(item.dataset.room, false);
    $("id_title").focus();
    askSoon();
  }
  function items(container) {
    return Array.from(container.querySelectorAll("[data-room]"));
  }
  results.addEventListener("click", (e) => {
    const item = e.target.closest("[data-room]");
    if (item) {
      e.preventDefault();
      chooseRoom(item);
    }
  });
  results.addEventListener("focusin", (e) => {
    const item = e.target.closest("[data-room]");
    if (item && !$("id_room").value) showHousehold(item.dataset.room, true);
  });
  // ↓/↑ walk a result list; ↑ from the first item goes back to the box
  function walk(container, box, e) {
    const list = items(container);
    const at = list.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && at < list.length - 1) {
      e.preventDefault();
      list[at + 1].focus();
    } else if (e.key === "ArrowUp" && at >= 0) {
      e.preventDefault();
      (at === 0 ? box : list[at - 1]).focus();
    }
  }
  results.addEventListener("keydown", (e) => walk(results, $("lookup"), e));
  document.body.addEventListener("htmx:afterSwap", (e) => {
    if (e.detail.target === results) {
      const first = items(results)[0];
      $("lookup").setAttribute("aria-expanded", first ? "true" : "false");
      // the best match's household beside the list, before any pick
      if (first && !$("id_room").value) showHousehold(first.dataset.room, true);
    }
  });
  $("lookup").addEventListener("keydown", (e) => {
    const first = items(results)[0];
    if (e.key === "Enter") {
      e.preventDefault();
      if (first) chooseRoom(first);
    } else if (e.key === "ArrowDown" && first) {
      e.preventDefault();
      first.focus();
    }
  });
  $("clear-room").addEventListener("click", () => {
    $("id_room").value = "";
    $("id_resident").value = "";
    $("chosen-room").classList.add("d-none");
    household.innerHTML = "";
    previewed = "";
    $("lookup").focus();
  });

  // ------------------------------------------------------------ the related room (楼上)
  const related = $("related-results");
  function chooseRelated(id, code, byHand) {
    $("id_related_room").value = id || "";
    $("related-label").textContent = code || "";
    $("related-chosen").classList.toggle("d-none", !id);
    related.innerHTML = "";
    $("related-lookup").value = "";
    if (byHand) {
      manual.add("related");
      unmark("related-label");
    }
  }
  related.addEventListener("click", (e) => {
    const item = e.target.closest("[data-room]");
    if (item) {
      e.preventDefault();
      chooseRelated(item.dataset.room, item.dataset.label.split(" · ")[0], true);
      $("related-lookup").focus();
    }
  });
  related.addEventListener("keydown", (e) => walk(related, $("related-lookup"), e));
  $("related-lookup").addEventListener("keydown", (e) => {
    const first = items(related)[0];
    if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      if (first) chooseRelated(first.dataset.room, first.dataset.label.split(" · ")[0], true);
    } else if (e.key === "ArrowDown" && first) {
      e.preventDefault();
      first.focus();
    }
  });
  $("clear-related").addEventListener("click", () => chooseRelated("", "", true));

  // ------------------------------------------------------------ the suggestion
  const bar = $("suggestion");
  let timer = null;
  let inflight = null;
  let answered = Promise.resolve();

  function mark(id) {
    const el = $(id);
    if (el) el.classList.add("border-info", "border-2", "suggested");
  }
  function unmark(id) {
    const el = $(id);
    if (el) el.classList.remove("border-info", "border-2", "suggested");
  }
  function askSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      ask();
    }, 250);
  }
  function ask() {
    const title = $("id_title").value;
    const description = $("id_description").value;
    if (!title.trim() && !description.trim()) {
      show(null);
      return;
    }
    if (inflight) inflight.abort();
    const mine = (inflight = new AbortController());
    const query = new URLSearchParams({ project: project.value, room: $("id_room").value, title, description });
    answered = fetch(script.dataset.suggest + "?" + query, { signal: mine.signal, headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : { suggestion: null }))
      .then((data) => {
        if (inflight === mine) inflight = null;
        show(data.suggestion);
      })
      .catch(() => {});
    return answered;
  }
  // The suggestion for what is typed now: asked at once if the clerk is quicker than the pause.
  function settled() {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
      return ask() || Promise.resolve();
    }
    return inflight ? answered : Promise.resolve();
  }
  function show(suggestion) {
    current = suggestion;
    bar.classList.toggle("d-none", !suggestion);
    if (!suggestion) return;
    $("suggestion-text").textContent = [suggestion.kind_label, suggestion.category_label, suggestion.department_label]
      .filter(Boolean)
      .join(" · ");
    const words = $("suggestion-words");
    words.textContent = suggestion.words.length ? " · " + words.dataset.label + suggestion.words.join(" ") : "";
    const rel = $("suggestion-related");
    rel.classList.toggle("d-none", !suggestion.related_room);
    rel.textContent = suggestion.related_room ? " · " + rel.dataset.label + suggestion.related_room.code : "";
    apply(suggestion, false);
  }
  // Pre-select what the suggestion says in the fields not set by hand; `all`: the clerk took it
  // (Alt+J), every field follows it.
  function apply(s, all) {
    const take = (field) => all || !manual.has(field);
    if (s.kind && take("kind")) {
      const radio = $("kind-" + s.kind);
      if (radio && !radio.checked) radio.checked = true;
      syncKind();
      mark("kind-group");
      if (all) manual.delete("kind");
    }
    if (s.category && take("category")) {
      chooseCategory(s.category, false);
      mark("category-input");
      if (all) manual.delete("category");
    }
    if (s.department_kind && take("department")) {
      const option = Array.from(department.options).find(
        (o) => o.dataset.project === project.value && o.dataset.kind === s.department_kind
      );
      if (option) {
        department.value = option.value;
        mark("id_department");
      }
      if (all) manual.delete("department");
    }
    if (s.related_room && take("related") && (all || !$("id_related_room").value)) {
      chooseRelated(String(s.related_room.id), s.related_room.code, false);
      mark("related-label");
    }
  }
  function takeSuggestion() {
    if (!current) return false;
    apply(current, true);
    bar.classList.add("d-none");
    return true;
  }
  $("take-suggestion").addEventListener("click", takeSuggestion);
  $("id_title").addEventListener("input", askSoon);
  $("id_description").addEventListener("input", askSoon);
  if (form.dataset.redisplay) {
    ["kind", "category", "department", "related"].forEach((f) => manual.add(f));
  }

  // ------------------------------------------------------------ keys
  document.addEventListener("keydown", (e) => {
    if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyJ") {
      e.preventDefault();
      settled().then(takeSuggestion);
    }
  });
  form.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      const button = e.shiftKey ? $("submit-dispatch") : $("submit-register");
      // the suggestion of the last words typed is pre-selected before the form goes
      settled().then(() => button.click());
    }
  });
})();
