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
