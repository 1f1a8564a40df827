// The case form: as the employee number is typed (a name or part of a number), offer the matching
// employees the reader may open a case for, in a native <datalist> (keyboard and screen-reader
// friendly without a library). Without JavaScript the "Find the employee" search does the same.
(function () {
  const form = document.querySelector("form[data-employee-search]");
  const input = form && form.elements.employee_number;
  if (!input) {
    return;
  }
  const status = document.getElementById("employee-matches-status");
  const list = document.createElement("datalist");
  list.id = "employee-matches";
  input.after(list);
  input.setAttribute("list", list.id);
  let timer = null;
  let asked = "";
  function show(employees) {
    list.replaceChildren();
    employees.forEach(function (employee) {
      const option = document.createElement("option");
      option.value = employee.number;
      const where = [employee.position, employee.department].filter(Boolean).join(", ");
      option.label = employee.name + (where ? " — " + where : "");
      option.textContent = option.label;
      list.append(option);
    });
    if (status) {
      status.textContent = employees.length ? employees.length + " matching employee" +
        (employees.length === 1 ? "" : "s") + ": choose one from the list." : "No matching employee.";
    }
  }
  function search() {
    const text = input.value.trim();
    if (text.length < 2 || text === asked) {
      return;
    }
    asked = text;
    const url = form.getAttribute("data-employee-search") + "?q=" + encodeURIComponent(text);
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (employees) {
        if (input.value.trim() === text) {
          show(employees);
        }
      })
      .catch(function () { asked = ""; });
  }
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
  // Typed before this script ran (a slow page): offer the matches for what is there already.
  search();
})();
