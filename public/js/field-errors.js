// The API's 400 names the field that is wrong (`field`): its message goes under that field's
// control, which is marked invalid, described by it and focused.
import { h, replace } from "./ui.js";

/** A field's error under its control; the API's message starts with the field's name. */
export function showFieldError(slot, field, message) {
  const text = message.startsWith(`${field} `) ? message.slice(field.length + 1) : message;
  replace(slot.error, text);
  slot.error.hidden = false;
  slot.control.setAttribute("aria-invalid", "true");
  const described = (slot.control.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean);
  if (!described.includes(slot.error.id)) slot.control.setAttribute("aria-describedby", [...described, slot.error.id].join(" "));
  slot.control.focus();
}

export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll(".field-error")) {
    el.hidden = true;
    el.replaceChildren();
  }
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    const rest = el.getAttribute("aria-describedby").split(" ").filter((id) => !id.endsWith("-error"));
    el.setAttribute("aria-describedby", rest.join(" "));
  }
}

/** The empty slot for the API's error about a field (`id`-error). */
export const errorSlot = (id) => h("p", { class: "field-error", id: `${id}-error`, hidden: true });

/** A labelled control with its hint and a slot for the API's error about it. */
export function field(id, label, el, hint) {
  const error = errorSlot(id);
  if (hint) el.setAttribute("aria-describedby", `${id}-hint`);
  return { slot: { control: el, error }, el: h("div", { class: "field" }, h("label", { for: id }, label), el, hint && h("p", { class: "hint", id: `${id}-hint` }, hint), error) };
}
