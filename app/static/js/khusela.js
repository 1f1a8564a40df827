// Small behaviours that CSP forbids inline: confirmation prompts for destructive buttons.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// Auto-submit selects marked data-autosubmit (page size on list pages).
document.addEventListener("change", function (event) {
  const field = event.target;
  if (field.matches("select[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});
// Forms marked data-kind-groups: show a group marked data-for-kinds only for the types it lists, or when
// it already holds a value (a value the user can no longer see would surprise them on saving).
function showGroupsForKind(form) {
  const kind = form.elements.kind.value;
  form.querySelectorAll("[data-for-kinds]").forEach(function (group) {
    const applies = group.getAttribute("data-for-kinds").split(" ").includes(kind);
    const holdsValue = Array.from(group.querySelectorAll("input, select, textarea")).some(function (field) {
      return field.value.trim() !== "";
    });
    group.hidden = !applies && !holdsValue;
  });
}
document.querySelectorAll("form[data-kind-groups]").forEach(showGroupsForKind);
document.addEventListener("change", function (event) {
  const field = event.target;
  if (field.name === "kind" && field.form && field.form.hasAttribute("data-kind-groups")) {
    showGroupsForKind(field.form);
  }
});
