// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// The header menu (a <details>): Escape closes it and gives focus back to its toggle. On wide
// screens CSS shows its contents even when closed; a browser that cannot do that
// (no ::details-content) gets it opened here instead.
const menu = document.querySelector(".site-menu");
if (menu) {
  const toggle = menu.querySelector("summary");
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open && toggle.offsetParent !== null) {
      menu.open = false;
      toggle.focus();
    }
  });
  if (window.CSS && !CSS.supports("selector(::details-content)")) {
    const wide = window.matchMedia("(min-width: 60rem)");
    const follow = () => {
      menu.open = wide.matches;
    };
    follow();
    wide.addEventListener("change", follow);
  }
}

// After a refused form, focus goes to the first field that needs a fix: a screen reader then
// reads its label and the error tied to it (aria-describedby), and the field is in view. A
// form whose action names itself (#reply) or a part of it (#preview) is shown again at that
// anchor: the field is focused there too; any other anchor the page opens at is left alone.
// The browser moves to the anchor once the page has loaded, and takes the focus with it: the
// field is focused after that.
const invalid = document.querySelector('[aria-invalid="true"]');
if (invalid && !window.location.hash) {
  invalid.focus();
} else if (invalid) {
  const anchor = document.getElementById(window.location.hash.slice(1));
  const around = anchor && (anchor.closest("form") || anchor);
  if (around && around.contains(invalid)) {
    window.addEventListener("load", () => window.setTimeout(() => invalid.focus(), 0), {
      once: true,
    });
  }
}
