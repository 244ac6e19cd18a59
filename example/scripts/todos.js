// The example site's to-do island, on its /todos/ page (example/layouts/todos.html
// loads this script): the signed-in reader lists, adds, edits, ticks off and
// deletes their own to-dos through the site's API, with the session cookie only.
// Built with createElement; every string goes in as text, never as HTML.

import { manager } from "./islands.js";

const JSON_HEADERS = { Accept: "application/json" };
// The companion refuses a state-changing request that is not declared JSON, DELETE included.
const CHANGE_HEADERS = { ...JSON_HEADERS, "Content-Type": "application/json" };
const MAX_TEXT = 500; // example/todos.py refuses longer text
const SIGN_IN = "Sign in to see your to-dos.";

const island = document.querySelector("[data-todos]");
if (island && manager) mountTodos(island, manager);

export function mountTodos(root, manager) {
  const endpoint = root.dataset.todos || "/api/todos";
  root.classList.add("todos"); // example/public/css/todos.css styles the island
  let todos = [];

  const form = document.createElement("form");
  const input = document.createElement("input");
  input.name = "text";
  input.required = true;
  input.maxLength = MAX_TEXT;
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
  status.setAttribute("data-todos-status", "");
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
      status.textContent = SIGN_IN;
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

  const itemPath = (todo) => `/${encodeURIComponent(todo.id)}`;

  const editing = new Set(); // ids of the items whose text is a field just now
  const current = (todo) => todos.find((other) => other.id === todo.id) ?? todo;
  const rowOf = (id) => [...list.children].find((element) => element.dataset.todoId === String(id));

  /** Redraw the whole list (after loading it); focus stays on the same control of the same item. */
  function draw(focus = focusedControl()) {
    editing.clear();
    list.replaceChildren(...todos.map(item));
    restoreFocus(focus);
  }

  /** One item changed: redraw its row only, and not while it is edited (its editor redraws it). */
  function update(updated, focus = focusedControl()) {
    todos = todos.map((other) => (other.id === updated.id ? updated : other));
    if (!editing.has(updated.id)) redrawRow(updated, focus);
  }

  function redrawRow(todo, focus) {
    rowOf(todo.id)?.replaceWith(item(current(todo)));
    restoreFocus(focus);
  }

  function restoreFocus(focus) {
    if (focus) rowOf(focus.id)?.querySelector(`[data-todo-control="${focus.control}"]`)?.focus();
  }

  function focusedControl() {
    const active = document.activeElement;
    const li = list.contains(active) ? active.closest("li") : null;
    return li ? { id: li.dataset.todoId, control: active.dataset.todoControl } : null;
  }

  function control(element, name) {
    element.dataset.todoControl = name;
    return element;
  }

  function item(todo) {
    const li = document.createElement("li");
    li.dataset.todoId = todo.id;
    li.classList.toggle("done", todo.done);
    const text = document.createElement("span");
    text.id = `todo-${todo.id}`;
    text.textContent = todo.text;
    text.title = "Double-click to edit";
    const box = control(document.createElement("input"), "done");
    box.type = "checkbox";
    box.checked = todo.done;
    box.setAttribute("aria-labelledby", text.id);
    const edit = labelled(control(document.createElement("button"), "edit"), "Edit", todo.text);
    edit.className = "secondary"; // the theme's outlined button: Delete stays the strong one
    const remove = labelled(control(document.createElement("button"), "delete"), "Delete", todo.text);
    li.append(box, " ", text, " ", edit, " ", remove);

    box.addEventListener("change", async () => {
      const updated = await call("PATCH", itemPath(todo), { done: box.checked });
      if (updated) update(updated);
      else box.checked = current(todo).done;
    });
    edit.addEventListener("click", () => startEditing(todo, li, text, edit));
    text.addEventListener("dblclick", () => startEditing(todo, li, text, edit));
    remove.addEventListener("click", async () => {
      if (await call("DELETE", itemPath(todo))) {
        todos = todos.filter((other) => other.id !== todo.id);
        editing.delete(todo.id);
        rowOf(todo.id)?.remove();
        input.focus();
      }
    });
    return li;
  }

  /** The item's text becomes a field: Enter (or leaving it) saves, Escape puts it back. */
  function startEditing(todo, li, text, edit) {
    if (li.querySelector("[data-todo-control=field]")) return;
    const field = control(document.createElement("input"), "field");
    field.type = "text";
    field.value = todo.text;
    field.maxLength = MAX_TEXT;
    field.autocomplete = "off";
    field.setAttribute("aria-label", `Edit “${todo.text}”`);
    text.replaceWith(field);
    edit.hidden = true;
    editing.add(todo.id);
    field.focus();
    field.select();
    let finished = false;

    async function finish(save) {
      if (finished) return;
      const value = field.value.trim();
      if (save && value !== todo.text) {
        if (!value) {
          status.textContent = "A to-do needs some text; Escape keeps it as it was.";
          return;
        }
        finished = true;
        const updated = await call("PATCH", itemPath(todo), { text: value });
        if (updated) {
          editing.delete(todo.id);
          update(updated, { id: todo.id, control: "edit" });
          return;
        }
        finished = false; // refused (the reason is in the status line): keep editing
        return;
      }
      finished = true;
      status.textContent = "";
      editing.delete(todo.id);
      redrawRow(todo, { id: todo.id, control: "edit" });
    }

    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        finish(true);
      } else if (event.key === "Escape") {
        event.preventDefault();
        finish(false);
      }
    });
    field.addEventListener("blur", () => finish(true));
  }

  function labelled(element, verb, text) {
    element.type = "button";
    element.textContent = verb;
    element.setAttribute("aria-label", `${verb} “${text}”`);
    return element;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const created = await call("POST", "", { text });
    if (created) {
      todos = [...todos, created];
      input.value = "";
      list.append(item(created));
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
    draw(null);
    status.textContent = SIGN_IN;
  });
  manager.getUser().then((user) => (user ? load() : (status.textContent = SIGN_IN)));
}
