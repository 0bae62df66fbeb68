/** Wires every `[data-print]` button to the browser's print dialog (posters, receipts, feedback slips). */
for (const button of document.querySelectorAll('[data-print]')) {
  button.addEventListener('click', () => window.print());
}
