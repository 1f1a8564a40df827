// The risk form's controls in place: a filter box over the list of checkboxes (about 110 controls),
// and "show only the chosen ones". The list is plain checkboxes in fieldsets, so the keyboard and
// screen readers use it as any form; without this script it is the whole list to scroll through.
(function () {
  "use strict";
  document.querySelectorAll("[data-control-picker]").forEach(function (picker) {
    const tools = picker.querySelector("[data-picker-tools]");
    const filter = picker.querySelector("[data-picker-filter]");
    const chosenOnly = picker.querySelector("[data-picker-chosen-only]");
    const status = picker.querySelector("[data-picker-status]");
    const count = picker.querySelector("[data-picker-count]");
    const options = Array.from(picker.querySelectorAll("[data-picker-option]"));
    const groups = Array.from(picker.querySelectorAll("[data-picker-group]"));
    if (!tools || !filter || !options.length) {
      return;
    }
    tools.hidden = false;

    function chosenCount() {
      return options.filter(function (option) { return option.querySelector("input").checked; }).length;
    }

    function apply(announce) {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      options.forEach(function (option) {
        const text = option.textContent.toLowerCase();
        const box = option.querySelector("input");
        const visible = words.every(function (word) { return text.includes(word); }) &&
          (!chosenOnly.checked || box.checked);
        option.hidden = !visible;
        shown += visible ? 1 : 0;
      });
      groups.forEach(function (group) {
        group.hidden = !group.querySelector("[data-picker-option]:not([hidden])");
      });
      count.textContent = chosenCount() + " chosen";
      if (announce) {
        status.textContent = shown === options.length ? "All " + shown + " controls shown." :
          shown + " of " + options.length + " controls shown.";
      }
    }

    filter.addEventListener("input", function () { apply(true); });
    chosenOnly.addEventListener("change", function () { apply(true); });
    // Enter in the filter box would submit the whole risk form.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
    picker.addEventListener("change", function (event) {
      if (event.target.name === "control_ids") {
        count.textContent = chosenCount() + " chosen";
      }
    });
    apply(false);
  });
})();
