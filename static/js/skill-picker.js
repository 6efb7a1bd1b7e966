// The project form's skill picker (templates/portfolio/project_form.html): with no script
// it is groups of checkboxes in <details>, one per track. This adds a box that narrows
// the groups to the skills whose title, other names or track match what is typed, and
// keeps the "n ticked" counts current. Skills filtered out stay in the form, ticked or not.
"use strict";

(() => {
  const fold = (text) =>
    text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  function setUp(picker) {
    const box = picker.querySelector("[data-skill-filter]");
    const input = box.querySelector("input");
    const status = box.querySelector("[role=status]");
    const groups = [...picker.querySelectorAll(".skill-group")];
    const items = groups.flatMap((group) =>
      [...group.querySelectorAll("li[data-terms]")].map((li) => ({
        li,
        group,
        terms: fold(li.dataset.terms),
      })),
    );
    // Which groups were open before a search, to put them back when it is cleared.
    let openBefore = null;

    function filter() {
      const words = fold(input.value).split(/\s+/).filter(Boolean);
      if (!words.length) {
        items.forEach(({ li }) => { li.hidden = false; });
        groups.forEach((group) => { group.hidden = false; });
        // As before the search, and open wherever a skill was ticked meanwhile.
        if (openBefore) {
          groups.forEach((group, i) => {
            group.open = openBefore[i] || group.querySelector("input:checked") !== null;
          });
        }
        openBefore = null;
        status.textContent = "";
        return;
      }
      if (!openBefore) openBefore = groups.map((group) => group.open);
      const shown = new Map(groups.map((group) => [group, 0]));
      for (const item of items) {
        const match = words.every((word) => item.terms.includes(word));
        item.li.hidden = !match;
        if (match) shown.set(item.group, shown.get(item.group) + 1);
      }
      let count = 0;
      for (const [group, n] of shown) {
        group.hidden = n === 0;
        group.open = n > 0;
        count += n;
      }
      status.textContent = count === 0
        ? `No skill matches “${input.value.trim()}”.`
        : `${count} skill${count === 1 ? "" : "s"} match${count === 1 ? "es" : ""}.`;
    }

    function recount() {
      let total = 0;
      for (const group of groups) {
        const ticked = group.querySelectorAll("input[type=checkbox]:checked").length;
        const label = group.querySelector(".skill-group-count");
        const of = label.dataset.of;
        label.textContent = ticked ? `${ticked} of ${of} ticked` : `${of} skills`;
        total += ticked;
      }
      picker.querySelector("[data-skill-count]").textContent = `${total} ticked`;
    }

    input.addEventListener("input", filter);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault(); // not a submit of the whole form
      if (event.key === "Escape" && input.value) {
        event.preventDefault();
        input.value = "";
        filter();
      }
    });
    picker.addEventListener("change", (event) => {
      if (event.target.matches("input[type=checkbox]")) recount();
    });
    box.hidden = false;
  }

  document.querySelectorAll("[data-skill-picker]").forEach(setUp);
})();
