// Ready-to-paste ways to ping a monitor, built from its own URLs.

function cronLine(m) {
  if (m.schedule) return m.schedule;
  const min = Math.round((m.interval ?? 3600) / 60);
  if (min < 60) return `*/${min} * * * *`;
  if (min % 60 === 0 && min < 1440) return `0 */${min / 60} * * *`;
  return "0 3 * * *";
}

/**
 * The monitor's ping URLs, absolute: without PUBLIC_URL the API answers them relative to
 * wherever it was reached, which for the dashboard is this origin.
 */
export function pingUrls(m, origin = location.origin) {
  const absolute = (url) => new URL(url, origin).href;
  return { ping: absolute(m.ping_urls.ping), heartbeat: absolute(m.ping_urls.heartbeat), beacon: absolute(m.ping_urls.beacon) };
}

/** [[id, label, code]] for a monitor. */
export function snippets(m) {
  const { beacon, ping } = pingUrls(m);
  const curl = "curl -fsS -m 10 --retry 5 -o /dev/null";
  return [
    ["img", "HTML img", `<img src="${beacon}" width="1" height="1" alt="">`],
    ["fetch", "fetch keepalive", `fetch("${beacon}", { method: "POST", keepalive: true });`],
    ["curl", "curl", `${curl} ${ping}`],
    [
      "crontab",
      "crontab",
      `# Start ping, the job, then its exit status (0 is success, anything else a failure).\n${cronLine(m)} ${curl} ${ping}/start ; /path/to/job.sh ; ${curl} ${ping}/$?`,
    ],
    [
      "actions",
      "GitHub Actions",
      `    steps:\n      - run: ${curl} ${ping}/start\n      # ... the job's steps ...\n      - if: always()\n        run: ${curl} "${ping}/\${{ job.status == 'success' && '0' || 'fail' }}"`,
    ],
    [
      "python",
      "Python",
      `import urllib.request\n\nPING = "${ping}"\n\ndef ping(suffix=""):\n    urllib.request.urlopen(PING + suffix, timeout=10)\n\nping("/start")\ntry:\n    run_job()\n    ping()\nexcept Exception:\n    ping("/fail")\n    raise`,
    ],
  ];
}
