// The to-do island of the example /todos/ page: the signed-in reader lists,
// adds, ticks off and deletes their own to-dos through the site's API, with
// the session cookie only. Built with createElement; every string as text.

const JSON_HEADERS = { Accept: "application/json" };
// The companion refuses a state-changing request that is not declared JSON, DELETE included.
const CHANGE_HEADERS = { ...JSON_HEADERS, "Content-Type": "application/json" };

export function mountTodos(root, manager) {
  const endpoint = root.dataset.atollTodos || "/api/todos";
  root.classList.add("todos"); // the theme's styles for the island
  let todos = [];

  const form = document.createElement("form");
  const input = document.createElement("input");
  input.name = "text";
  input.required = true;
  input.autocomplete = "off";
  input.placeholder = "What needs doing?";
  input.setAttribute("aria-label", "New to-do");
  const add = document.createElement("button");
  add.type = "submit";
  add.textContent = "Add";
  form.append(input, " ", add);
  const list = document.createElement("ul");
  const status = document.createElement("p");
  status.setAttribute("role", "status");
  status.setAttribute("data-atoll-todos-status", "");
  root.replaceChildren(form, list, status);

  /** The API's JSON answer (true for 204), or null after showing why it failed. */
  async function call(method, path = "", body) {
    let response;
    try {
      response = await fetch(endpoint + path, {
        method,
        credentials: "same-origin",
        headers: method === "GET" ? JSON_HEADERS : CHANGE_HEADERS,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      status.textContent = "The to-do list cannot be reached; check your connection.";
      return null;
    }
    if (response.status === 401) {
      // The server-side session is gone (expired, or the companion's secret changed):
      // the reader is signed out, whatever this tab remembered.
      status.textContent = "Sign in to see your to-dos.";
      await manager.removeUser();
      return null;
    }
    const answer = response.status === 204 ? true : await response.json().catch(() => ({}));
    if (!response.ok) {
      status.textContent = `The to-do list refused: ${answer.message ?? `HTTP ${response.status}`}`;
      return null;
    }
    status.textContent = "";
    return answer;
  }

  function draw() {
    list.replaceChildren(...todos.map(item));
  }

  function item(todo) {
    const li = document.createElement("li");
    li.dataset.todoId = todo.id;
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = todo.done;
    const text = document.createElement("span");
    text.textContent = todo.text;
    label.append(box, " ", text);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Delete";
    remove.setAttribute("aria-label", `Delete “${todo.text}”`);
    li.append(label, " ", remove);

    box.addEventListener("change", async () => {
      const updated = await call("PATCH", `/${encodeURIComponent(todo.id)}`, { done: box.checked });
      if (updated) replace(todo, updated);
      else box.checked = todo.done;
    });
    remove.addEventListener("click", async () => {
      if (await call("DELETE", `/${encodeURIComponent(todo.id)}`)) {
        todos = todos.filter((other) => other !== todo);
        draw();
      }
    });
    return li;
  }

  function replace(todo, updated) {
    todos = todos.map((other) => (other === todo ? updated : other));
    draw();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const created = await call("POST", "", { text });
    if (created) {
      todos = [...todos, created];
      input.value = "";
      draw();
    }
  });

  async function load() {
    const answer = await call("GET");
    todos = Array.isArray(answer?.todos) ? answer.todos : [];
    draw();
  }

  manager.events.addUserLoaded(load);
  manager.events.addUserUnloaded(() => {
    todos = [];
    draw();
    status.textContent = "Sign in to see your to-dos.";
  });
  manager.getUser().then((user) => (user ? load() : (status.textContent = "Sign in to see your to-dos.")));
}
