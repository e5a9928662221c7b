// 关怀模式 (the 适老化 mode of Chinese public service sites): larger type and tap targets, higher contrast.
// Switched in the header, remembered in this browser (localStorage), applied before the first page is drawn.

const KEY = 'hall.care-mode';

function stored() {
  try {
    return window.localStorage.getItem(KEY) === 'on';
  } catch {
    return false; // storage refused (private mode): the mode still works for this page
  }
}

function apply(on, button) {
  document.documentElement.classList.toggle('care-mode', on);
  if (button) {
    button.setAttribute('aria-pressed', String(on));
    button.textContent = on ? '退出关怀模式' : '关怀模式';
  }
}

/** Applies the remembered choice and wires the header's 关怀模式 button. */
export function wireCareMode() {
  const button = document.getElementById('care-toggle');
  apply(stored(), button);
  button?.addEventListener('click', () => {
    const on = !document.documentElement.classList.contains('care-mode');
    apply(on, button);
    try {
      window.localStorage.setItem(KEY, on ? 'on' : 'off');
    } catch {
      /* not remembered, still switched */
    }
  });
}
