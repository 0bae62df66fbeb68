// Export progress (staff/exports): polls each running job's JSON every 2 s, updates the progress
// bar and status text, and reloads the page when a job has finished (to show the download link).
(function () {
  const rows = Array.from(document.querySelectorAll('[data-job-url]'));
  if (!rows.length) return;
  async function poll() {
    let finished = false;
    for (const row of rows) {
      try {
        const res = await fetch(row.getAttribute('data-job-url'), { headers: { accept: 'application/json' }, credentials: 'same-origin' });
        if (!res.ok) continue;
        const job = await res.json();
        const bar = row.querySelector('[data-job-progress]');
        if (bar) { bar.value = job.progress; bar.textContent = job.progress + '%'; }
        const status = row.querySelector('[data-job-status]');
        if (status && job.status === 'running' && !bar) status.textContent = status.textContent.replace(/\s*\d+%$/, '') + ' ' + job.progress + '%';
        if (job.status === 'done' || job.status === 'failed') finished = true;
      } catch (e) { /* offline for a moment: try again */ }
    }
    if (finished) location.reload();
    else setTimeout(poll, 2000);
  }
  setTimeout(poll, 2000);
})();
