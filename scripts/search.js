// The header search box: Pagefind's index (built by `atoll build`), results
// listed under the box as a combobox's listbox. Arrow keys move through the
// results, Enter opens one, Escape closes the list. Every string from the
// index goes into the page as text (the <mark>s around matches rebuilt as
// elements), never as HTML.

const MAX_RESULTS = 8;

export async function mountSearch(box) {
  const input = box.querySelector("input");
  const list = box.querySelector("[role=listbox]");
  let pagefind;
  try {
    pagefind = await import(box.dataset.atollSearch);
    await pagefind.options({ baseUrl: box.dataset.basePath || "/", excerptLength: 24 });
  } catch (error) {
    console.warn("search is unavailable:", error);
    box.dataset.state = "unavailable";
    input.addEventListener("input", () => showStatus(list, input, "Search is not available on this build."));
    return;
  }
  let selected = -1;
  let latest = 0;

  const options = () => [...list.querySelectorAll("[role=option]")];
  const select = (index) => {
    const all = options();
    selected = all.length ? (index + all.length) % all.length : -1;
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === selected)));
    if (selected >= 0) {
      input.setAttribute("aria-activedescendant", all[selected].id);
      all[selected].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    selected = -1;
  };

  const run = async () => {
    const query = input.value.trim();
    const ticket = ++latest;
    if (!query) return close();
    const search = await pagefind.debouncedSearch(query, {}, 150);
    if (search === null || ticket !== latest) return; // a newer query took over
    const data = await Promise.all(search.results.slice(0, MAX_RESULTS).map((r) => r.data()));
    if (ticket !== latest) return;
    if (!data.length) return showStatus(list, input, `No results for “${query}”.`);
    list.replaceChildren(...data.map((item, i) => resultItem(item, i)));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    select(0);
  };

  input.addEventListener("input", run);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) return;
      event.preventDefault();
      select(selected + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      const link = options()[selected]?.querySelector("a");
      if (link) {
        event.preventDefault();
        link.click();
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) close();
      else input.value = "";
    }
  });
  box.addEventListener("focusout", (event) => {
    if (!box.contains(event.relatedTarget)) close();
  });
  input.addEventListener("focus", () => input.value.trim() && run());
  if (input.value.trim()) run();
}

function showStatus(list, input, text) {
  const item = document.createElement("li");
  item.className = "status";
  item.textContent = text;
  list.replaceChildren(item);
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
  input.removeAttribute("aria-activedescendant");
}

function resultItem(item, index) {
  const li = document.createElement("li");
  li.id = `atoll-search-${index}`;
  li.setAttribute("role", "option");
  const link = document.createElement("a");
  link.href = item.url;
  link.tabIndex = -1;
  const title = document.createElement("span");
  title.className = "title";
  title.textContent = item.meta?.title || item.url;
  const excerpt = document.createElement("span");
  excerpt.className = "excerpt";
  excerpt.append(...marked(item.excerpt || ""));
  link.append(title, excerpt);
  li.append(link);
  return li;
}

// Pagefind's excerpt is text with <mark> around the matches: rebuild it as nodes.
function marked(excerpt) {
  const nodes = [];
  excerpt.split(/(<mark>.*?<\/mark>)/s).forEach((piece) => {
    const hit = piece.startsWith("<mark>");
    const text = textOf(hit ? piece.slice(6, -7) : piece);
    if (!text) return;
    if (hit) {
      const mark = document.createElement("mark");
      mark.textContent = text;
      nodes.push(mark);
    } else nodes.push(document.createTextNode(text));
  });
  return nodes;
}

// Decodes entities (&amp; ...) without interpreting any markup: a <textarea>'s content is text.
function textOf(html) {
  const decoder = document.createElement("textarea");
  decoder.innerHTML = html;
  return decoder.value;
}
