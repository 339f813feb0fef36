// While someone types a need or idea, show similar ones already sent, so they can support
// one instead of sending a duplicate. Progressive enhancement: without JavaScript the
// "Check for similar" button shows the same list from the server.
const DELAY_MS = 400;
const MIN_CHARS = 12;

function render(region, kind, items) {
  region.replaceChildren();
  if (!items.length) {
    return;
  }
  const heading = document.createElement("h2");
  heading.className = "govuk-heading-m";
  heading.textContent = `${items.length} similar ${kind}${items.length === 1 ? "" : "s"} already sent`;
  const intro = document.createElement("p");
  intro.className = "govuk-body";
  intro.textContent = "If one of these says what you mean, support it instead: it will count for more than a new one.";
  const list = document.createElement("ul");
  list.className = "govuk-list voices-similar__list";
  for (const item of items) {
    const li = document.createElement("li");
    li.className = "voices-similar__item";
    const link = document.createElement("a");
    link.className = "govuk-link";
    link.href = item.url;
    link.textContent = item.title;
    const meta = document.createElement("span");
    meta.className = "govuk-body-s";
    meta.textContent = ` (${item.reference}, ${item.status_label.toLowerCase()}, ${item.supports} support${item.supports === 1 ? "" : "s"}) `;
    const support = document.createElement("a");
    support.className = "govuk-link voices-similar__support";
    support.href = item.support_url;
    support.textContent = "Support this instead";
    const hidden = document.createElement("span");
    hidden.className = "govuk-visually-hidden";
    hidden.textContent = `: ${item.title}`;
    support.append(hidden);
    li.append(link, meta, support);
    list.append(li);
  }
  region.append(heading, intro, list);
}

function start(form) {
  const region = form.querySelector("#voices-similar-live");
  const fields = ["title", "body"].map((name) => form.querySelector(`[name="${name}"]`)).filter(Boolean);
  if (!region || !fields.length) {
    return;
  }
  const kind = form.dataset.kind || "";
  let timer = null;
  let controller = null;
  let last = "";
  const lookUp = async () => {
    const text = fields.map((f) => f.value.trim()).filter(Boolean).join(". ");
    if (text === last) {
      return;
    }
    last = text;
    if (text.length < MIN_CHARS) {
      region.replaceChildren();
      return;
    }
    if (controller) {
      controller.abort();
    }
    controller = new AbortController();
    const url = new URL(form.dataset.similarUrl, window.location.href);
    url.searchParams.set("text", text);
    url.searchParams.set("kind", kind);
    try {
      const response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } });
      if (response.ok) {
        render(region, kind, await response.json());
      }
    } catch (error) {
      if (error.name !== "AbortError") {
        region.replaceChildren();
      }
    }
  };
  for (const field of fields) {
    field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(lookUp, DELAY_MS);
    });
  }
}

for (const form of document.querySelectorAll("form[data-voices-similar]")) {
  start(form);
}
