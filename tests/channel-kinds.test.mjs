// One spec per channel kind, against a local receiver standing in for the service: the exact
// request an outage makes (found by a real scheduled event), the recovery a ping brings, a
// channel test, a 429 with Retry-After (waited out, the channel still ok), and the kind's own
// permanent refusal (the channel failing with the service's reason until a good test). The
// monitor's name is hostile, so each request shows how its kind escapes a name; each secret
// is shown once at creation and never in a list again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { startEdgebeat, eventually, PUBLIC_URL } from "./support/edgebeat.mjs";
import { startReceiver } from "./support/receiver.mjs";

const MIN = 60_000;
const HOSTILE = `<b>x</b> & "q" *y* @everyone <!channel> [l](http://e)`;
// The name as each markup escapes it, written out rather than computed.
const AS_HTML = "&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; *y* @everyone &lt;!channel&gt; [l](http://e)";
const AS_SLACK = '&lt;b&gt;x&lt;/b&gt; &amp; "q" *y* @everyone &lt;!channel&gt; [l](http://e)';
const AS_MARKDOWN = String.raw`\<b\>x\</b\> \& "q" \*y\* \@everyone \<\!channel\> \[l\]\(http://e\)`;
/** U+2060, the invisible word joiner that follows every `@` where a service reads mentions in text. */
const WJ = "\u2060";
const AS_TELEGRAM = AS_HTML.replace("@", `@${WJ}`);
const AS_MATTERMOST = AS_MARKDOWN.replace("@", `@${WJ}`);
// Its tags, a fact every kind shows, escaped by each as the name is.
const TAGS = ["prod", "<i>t</i>"];
const TAGS_TEXT = "prod <i>t</i>";
const TAGS_HTML = "prod &lt;i&gt;t&lt;/i&gt;";
const TAGS_MARKDOWN = String.raw`prod \<i\>t\</i\>`;
const LATE = "no ping by the due time plus grace";
const RECOVERED = "a ping reported success";
const TEST_REASON = "a test alert, sent from edgebeat to check this channel";
const TEST_SUMMARY = `This is ${TEST_REASON}.`;
const CHANNELS_PAGE = `${PUBLIC_URL}/channels`;
const [RED, GREEN, BLUE] = ["#D32F2F", "#388E3C", "#1976D2"];
/** What of the name would format or mention where HTML or mrkdwn arrived unescaped... */
const RAW_HTML = ["<b>x</b>", "<!channel>", "<i>t</i>"];
/** ...and where Markdown did. */
const RAW_MARKDOWN = [...RAW_HTML, "[l](http://e)", "*y*"];

/** Markdown's escape for the plain words around the name (times, sentences). */
const md = (s) => s.replace(/[\\`*_{}[\]()#+\-.!|~<>@&]/g, "\\$&");

/** Pings reach D1 within a moment (the recovery's flush, the first ping's). */
const QUICK_FLUSH = { PING_FLUSH_DELAY_MS: "100", PING_BUSY_FLUSH_DELAY_MS: "200" };
let eb;
let receiver;
before(async () => {
  [eb, receiver] = await Promise.all([startEdgebeat({ vars: QUICK_FLUSH }), startReceiver()]);
});
after(async () => {
  await eb?.close();
  await receiver?.close();
});

test("the spec's Markdown escape gives the name as written out above", () => {
  assert.equal(md(HOSTILE), AS_MARKDOWN);
  assert.equal(md(TAGS_TEXT), TAGS_MARKDOWN);
});

/** The requests since `mark` (an index into the receiver's log) that `mine` claims, in order. */
const since = (mark, mine) => receiver.log.slice(mark).filter((r) => mine(r.path));
const listed = async (c) =>
  (await c.server.api("GET", "/v1/channels", { auth: c.t.key })).body.items.find((x) => x.id === c.ch.id);
const deliveries = async (c) =>
  (await c.server.api("GET", `/v1/channels/${c.ch.id}/deliveries`, { auth: c.t.key })).body.items;
const only = (got, what) => {
  assert.equal(got.length, 1, `exactly one request for ${what}: ${JSON.stringify(got.map((r) => r.url))}`);
  return got[0];
};
const form = (body) => [...new URLSearchParams(body)];
const noRawMarkup = (text, where, raws = RAW_HTML) => {
  for (const raw of raws) assert.ok(!text.includes(raw), `${where} has no raw ${raw}`);
};

/**
 * A project with one channel of `kind` whose requests `mine` recognises by path; its creation
 * answer shows each of `secrets` (field -> value) in full, its list never again. Its monitor,
 * with the hostile name, has pinged once.
 */
async function watched(server, kind, fields, secrets, mine) {
  const t = await server.tenant(`kinds ${kind}`);
  const created = await server.api("POST", "/v1/channels", {
    auth: t.key,
    body: { kind, name: `ops ${kind}`, ...fields },
  });
  assert.equal(created.status, 201, created.text);
  const list = await server.api("GET", "/v1/channels", { auth: t.key });
  const item = list.body.items.find((x) => x.id === created.body.id);
  for (const [field, secret] of Object.entries(secrets)) {
    assert.equal(created.body.config[field], secret, `${field} shown in full at creation`);
    assert.ok(!list.text.includes(secret), `${field} never shown again`);
    assert.ok(item.config[field].endsWith(`…${secret.slice(-4)}`), `${field} hinted: ${item.config[field]}`);
  }
  const m = await server.pingedMonitor(t.key, { name: HOSTILE, tags: TAGS, interval: 3600, grace: 600 });
  return {
    server,
    kind,
    t,
    ch: created.body,
    m,
    mine,
    deadline: Date.parse(m.next_due_at) + 10 * MIN,
    link: `${PUBLIC_URL}/monitor?id=${m.unique_key}`,
    key: `edgebeat-${m.unique_key}`,
    lastPing: `tick at ${m.last_ping_at}`,
    secrets: Object.values(secrets),
  };
}

/** The outage, found by a real scheduled event after the deadline: its one request. */
async function down(c) {
  const mark = receiver.log.length;
  await c.server.sweep(c.deadline + MIN);
  const [d] = await deliveries(c);
  assert.deepEqual([d.event, d.status, d.attempts, d.last_error], ["down", "delivered", 1, null]);
  return { r: only(since(mark, c.mine), `${c.kind} down`), delivery: d };
}

/** The recovery a ping brings (sent right after its flush): its `count` requests. */
async function up(c, count = 1) {
  const mark = receiver.log.length;
  const ping = await c.server.api("GET", `/v1/heartbeat/${c.m.token}`);
  assert.equal(ping.status, 200, ping.text);
  // Queued by the flush that applies the ping, and attempted right after it.
  const d = await eventually(
    async () => {
      const [latest] = await deliveries(c);
      return latest.event === "up" && (latest.status !== "pending" || latest.last_error !== null) && latest;
    },
    { what: `the ${c.kind} recovery's attempt` },
  );
  assert.deepEqual([d.event, d.status, d.attempts], ["up", "delivered", 1]);
  const got = since(mark, c.mine);
  assert.equal(got.length, count, `${c.kind} up: ${JSON.stringify(got.map((r) => r.url))}`);
  const shown = await c.server.monitor(c.t.key, c.m.id);
  return { got, lastPing: `tick at ${shown.last_ping_at}`, delivery: d };
}

/** `POST /v1/channels/{id}/test`: the answer, and the requests it made. */
async function sendTest(c) {
  const mark = receiver.log.length;
  const res = await c.server.api("POST", `/v1/channels/${c.ch.id}/test`, { auth: c.t.key });
  assert.equal(res.status, 200, res.text);
  return { res: res.body, got: since(mark, c.mine) };
}

/** A test the service takes: delivered at once, its one sample request. */
async function testDelivered(c) {
  const started = Date.now();
  const { res, got } = await sendTest(c);
  const d = res.delivery;
  assert.deepEqual([d.event, d.status, d.attempts, res.channel_status], ["test", "delivered", 1, "ok"]);
  return { r: only(got, `${c.kind} test`), delivery: d, started, ended: Date.now() };
}

/** A 429 with Retry-After: 120 to a test: pending until 120 s after the attempt; still ok. */
async function rateLimited(c, path) {
  receiver.plan[path] = [{ status: 429, headers: { "retry-after": "120" } }];
  const started = Date.now();
  const { res, got } = await sendTest(c);
  const ended = Date.now();
  only(got, `${c.kind} rate-limited test`);
  const d = res.delivery;
  assert.deepEqual([d.status, d.attempts, d.last_status, d.last_error], ["pending", 1, 429, "HTTP 429: rate limited"]);
  const next = Date.parse(d.next_attempt_at);
  assert.ok(
    next >= started + 120_000 && next <= ended + 120_000,
    `next attempt ${d.next_attempt_at} is 120 s after ${new Date(started).toISOString()}, not the 30 s backoff`,
  );
  assert.equal(res.channel_status, "ok");
  assert.equal((await listed(c)).status, "ok", "a 429 is not a failing channel");
  return d;
}

/**
 * The kind's permanent refusal to a test: failed after one attempt, the channel failing with
 * the service's `reason`; a test answered 200 then sets it back to ok.
 */
async function refused(c, path, answer, reason) {
  receiver.plan[path] = [answer];
  const { res, got } = await sendTest(c);
  only(got, `${c.kind} refused test`);
  const d = res.delivery;
  assert.deepEqual([d.status, d.attempts, d.last_status, d.last_error], ["failed", 1, answer.status, reason]);
  assert.deepEqual([res.channel_status, res.failing_reason], ["failing", reason]);
  const failing = await listed(c);
  assert.deepEqual([failing.status, failing.failing_reason], ["failing", reason]);
  assert.ok(failing.failing_since);
  const again = await sendTest(c);
  only(again.got, `${c.kind} test after the fix`);
  assert.deepEqual(
    [again.res.delivery.status, again.res.channel_status, again.res.failing_reason],
    ["delivered", "ok", null],
  );
  const cleared = await listed(c);
  assert.deepEqual([cleared.status, cleared.failing_reason, cleared.failing_since], ["ok", null, null]);
  // After every outcome, no answer about the channel shows a secret.
  const list = await c.server.api("GET", "/v1/channels", { auth: c.t.key });
  const history = await c.server.api("GET", `/v1/channels/${c.ch.id}/deliveries`, { auth: c.t.key });
  for (const secret of c.secrets) {
    for (const [what, text] of [["list", list.text], ["deliveries", history.text], ["test answers", JSON.stringify([res, again.res])]]) {
      assert.ok(!text.includes(secret), `no secret in the ${what}`);
    }
  }
}

/** A test alert's time (its `at`), within the request that made it. */
function assertNow(iso, { started, ended }) {
  const at = Date.parse(iso);
  assert.ok(at >= started - 1_000 && at <= ended + 1_000, `${iso} is the test's moment`);
}

/** Whether a webhook request carries the signature its channel's secret makes. */
function signed(secret, r) {
  const ts = r.headers["x-edgebeat-timestamp"];
  const mac = createHmac("sha256", secret).update(`${ts}.${r.body}`).digest("hex");
  return Math.abs(Date.now() / 1000 - Number(ts)) < 300 && r.headers["x-edgebeat-signature"] === `v1=${mac}`;
}

test("webhook: the signed payload, or the channel's own template with the name JSON-escaped; 401 is permanent", async () => {
  const path = "/kinds/webhook";
  const auth = "Bearer wh-token-0123456789";
  const c = await watched(
    eb,
    "webhook",
    {
      url: receiver.url(path),
      headers: { Authorization: auth },
      body_down: '{"text": "$NAME is $STATUS: $REASON", "tags": "$TAGS", "link": "$LINK"}',
    },
    {},
    (p) => p === path,
  );
  assert.match(c.ch.secret, /^whsec_[0-9A-Za-z]{32}$/);
  assert.equal(c.ch.config.headers.Authorization, auth, "header values shown in full at creation");
  const list = await eb.api("GET", "/v1/channels", { auth: c.t.key });
  assert.ok(!list.text.includes(c.ch.secret) && !list.text.includes(auth), "never again");
  assert.equal(list.body.items[0].config.headers.Authorization, "…6789");

  const { r: d, delivery } = await down(c);
  assert.equal(d.method, "POST");
  assert.equal(d.headers["content-type"], "application/json");
  assert.equal(d.headers.authorization, auth);
  assert.equal(d.headers["x-edgebeat-event"], "down");
  assert.equal(d.headers["x-edgebeat-delivery"], String(delivery.id));
  assert.ok(signed(c.ch.secret, d), "signed");
  assert.deepEqual(
    JSON.parse(d.body),
    { text: `${HOSTILE} is down: ${LATE}`, tags: TAGS_TEXT, link: c.link },
    "JSON-escaped: it parses",
  );

  // No body_up: the recovery is the payload itself.
  const { got: [u] } = await up(c);
  assert.equal(u.headers["x-edgebeat-event"], "up");
  assert.ok(signed(c.ch.secret, u));
  const payload = JSON.parse(u.body);
  assert.deepEqual(
    [payload.event, payload.monitor.name, payload.monitor.tags, payload.monitor.unique_key, payload.flip.to, payload.flip.reason],
    ["up", HOSTILE, TAGS, c.m.unique_key, "up", RECOVERED],
  );

  const { r: t } = await testDelivered(c);
  assert.equal(t.headers["x-edgebeat-event"], "test");
  assert.ok(signed(c.ch.secret, t));
  assert.deepEqual(JSON.parse(t.body), {
    event: "test",
    channel: { id: c.ch.id, name: "ops webhook" },
    message: "edgebeat test delivery",
  });

  await rateLimited(c, path);
  await refused(c, path, { status: 401 }, "HTTP 401: the credential was refused");
});

test("slack: Block Kit in a coloured attachment, mrkdwn-escaped; invalid_token is permanent", async () => {
  const path = "/kinds/slack/services/T000/B000/slackSecret1234";
  const url = receiver.url(path);
  const c = await watched(eb, "slack", { url }, { url }, (p) => p === path);

  const { r: d } = await down(c);
  assert.deepEqual([d.method, d.headers["content-type"]], ["POST", "application/json"]);
  noRawMarkup(d.body, "slack");
  const title = `DOWN: ${AS_SLACK}`;
  assert.deepEqual(JSON.parse(d.body), {
    text: title,
    attachments: [
      {
        color: RED,
        fallback: title,
        blocks: [
          { type: "section", text: { type: "mrkdwn", text: `*${title}*\n${AS_SLACK} is down: ${LATE}.` } },
          {
            type: "section",
            fields: [
              { type: "mrkdwn", text: `*Last ping*\n${c.lastPing}` },
              { type: "mrkdwn", text: `*Tags*\n${TAGS_HTML}` },
            ],
          },
          {
            type: "actions",
            elements: [{ type: "button", text: { type: "plain_text", text: "Open in edgebeat" }, url: c.link }],
          },
        ],
      },
    ],
  });

  const { got: [u], lastPing } = await up(c);
  const upTitle = `UP: ${AS_SLACK}`;
  const recovered = JSON.parse(u.body);
  assert.deepEqual([recovered.text, recovered.attachments[0].color], [upTitle, GREEN]);
  assert.deepEqual(recovered.attachments[0].blocks.slice(0, 2), [
    { type: "section", text: { type: "mrkdwn", text: `*${upTitle}*\n${AS_SLACK} is up again: ${RECOVERED}.` } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Last ping*\n${lastPing}` },
        { type: "mrkdwn", text: `*Tags*\n${TAGS_HTML}` },
      ],
    },
  ]);

  const { r: t } = await testDelivered(c);
  assert.deepEqual(JSON.parse(t.body), {
    text: "TEST: ops slack",
    attachments: [
      {
        color: BLUE,
        fallback: "TEST: ops slack",
        blocks: [
          { type: "section", text: { type: "mrkdwn", text: `*TEST: ops slack*\n${TEST_SUMMARY}` } },
          {
            type: "actions",
            elements: [{ type: "button", text: { type: "plain_text", text: "Open in edgebeat" }, url: CHANNELS_PAGE }],
          },
        ],
      },
    ],
  });

  await rateLimited(c, path);
  await refused(c, path, { status: 403, body: "invalid_token" }, "slack: invalid_token");
});

test("discord: one Markdown-escaped embed that can ping no one; Unknown Webhook is permanent", async () => {
  const path = "/kinds/discord/api/webhooks/123/discordSecret5678";
  const url = receiver.url(path);
  const c = await watched(eb, "discord", { url }, { url }, (p) => p === path);

  const { r: d } = await down(c);
  assert.deepEqual([d.method, d.headers["content-type"]], ["POST", "application/json"]);
  noRawMarkup(d.body, "discord", RAW_MARKDOWN);
  const title = `DOWN: ${AS_MARKDOWN}`;
  assert.deepEqual(JSON.parse(d.body), {
    content: title,
    embeds: [
      {
        title,
        description: `${AS_MARKDOWN}${md(` is down: ${LATE}.`)}`,
        color: 0xd32f2f,
        fields: [
          { name: "Last ping", value: md(c.lastPing), inline: false },
          { name: "Tags", value: TAGS_MARKDOWN, inline: false },
        ],
        timestamp: new Date(c.deadline).toISOString(),
        url: c.link,
      },
    ],
    allowed_mentions: { parse: [] },
  });

  const { got: [u] } = await up(c);
  const recovered = JSON.parse(u.body);
  assert.deepEqual(
    [recovered.content, recovered.embeds[0].color, recovered.embeds[0].description, recovered.allowed_mentions],
    [`UP: ${AS_MARKDOWN}`, 0x388e3c, `${AS_MARKDOWN}${md(` is up again: ${RECOVERED}.`)}`, { parse: [] }],
  );

  const sent = await testDelivered(c);
  const sample = JSON.parse(sent.r.body);
  assertNow(sample.embeds[0].timestamp, sent);
  assert.deepEqual(sample, {
    content: "TEST: ops discord",
    embeds: [
      {
        title: "TEST: ops discord",
        description: md(TEST_SUMMARY),
        color: 0x1976d2,
        fields: [],
        timestamp: sample.embeds[0].timestamp,
        url: CHANNELS_PAGE,
      },
    ],
    allowed_mentions: { parse: [] },
  });

  await rateLimited(c, path);
  await refused(
    c,
    path,
    { status: 404, headers: { "content-type": "application/json" }, body: '{"message": "Unknown Webhook", "code": 10015}' },
    "discord: Unknown Webhook (10015)",
  );
});

test("teams: an Adaptive Card 1.4 in the Workflows envelope, Markdown-escaped; 403 is permanent", async () => {
  const path = "/kinds/teams/workflows/triggers/manual/paths/invoke";
  const url = `${receiver.url(path)}?sig=teamsSecret9012`;
  const c = await watched(eb, "teams", { url }, { url }, (p) => p === path);

  const { r: d } = await down(c);
  assert.deepEqual([d.method, d.url, d.headers["content-type"]], ["POST", `${path}?sig=teamsSecret9012`, "application/json"]);
  noRawMarkup(d.body, "teams", RAW_MARKDOWN);
  const card = (title, colour, text, facts, link) => ({
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            { type: "TextBlock", text: title, size: "Large", weight: "Bolder", color: colour, wrap: true },
            { type: "TextBlock", text, wrap: true },
            ...(facts ? [{ type: "FactSet", facts }] : []),
          ],
          actions: [{ type: "Action.OpenUrl", title: "Open in edgebeat", url: link }],
        },
      },
    ],
  });
  assert.deepEqual(
    JSON.parse(d.body),
    card(
      `DOWN: ${AS_MARKDOWN}`,
      "Attention",
      `${AS_MARKDOWN}${md(` is down: ${LATE}.`)}`,
      [{ title: "Last ping", value: md(c.lastPing) }, { title: "Tags", value: TAGS_MARKDOWN }],
      c.link,
    ),
  );

  const { got: [u], lastPing } = await up(c);
  assert.deepEqual(
    JSON.parse(u.body),
    card(
      `UP: ${AS_MARKDOWN}`,
      "Good",
      `${AS_MARKDOWN}${md(` is up again: ${RECOVERED}.`)}`,
      [{ title: "Last ping", value: md(lastPing) }, { title: "Tags", value: TAGS_MARKDOWN }],
      c.link,
    ),
  );

  const { r: t } = await testDelivered(c);
  assert.deepEqual(JSON.parse(t.body), card("TEST: ops teams", "Accent", md(TEST_SUMMARY), null, CHANNELS_PAGE));

  await rateLimited(c, path);
  await refused(c, path, { status: 403 }, "HTTP 403: the credential may not post here");
});

test("google_chat: a text message in Chat's formatting with & < > escaped; 404 is permanent", async () => {
  const path = "/kinds/chat/v1/spaces/AAAA/messages";
  const url = `${receiver.url(path)}?key=k&token=chatSecret3456`;
  const c = await watched(eb, "google_chat", { url }, { url }, (p) => p === path);

  const { r: d } = await down(c);
  assert.deepEqual([d.method, d.headers["content-type"]], ["POST", "application/json; charset=UTF-8"]);
  assert.equal(d.url, `${path}?key=k&token=chatSecret3456`);
  noRawMarkup(d.body, "google chat");
  assert.deepEqual(JSON.parse(d.body), {
    text: `*DOWN: ${AS_SLACK}*\n${AS_SLACK} is down: ${LATE}.\nLast ping: ${c.lastPing}\nTags: ${TAGS_HTML}\n<${c.link}|Open in edgebeat>`,
  });

  const { got: [u], lastPing } = await up(c);
  assert.deepEqual(JSON.parse(u.body), {
    text: `*UP: ${AS_SLACK}*\n${AS_SLACK} is up again: ${RECOVERED}.\nLast ping: ${lastPing}\nTags: ${TAGS_HTML}\n<${c.link}|Open in edgebeat>`,
  });

  const { r: t } = await testDelivered(c);
  assert.deepEqual(JSON.parse(t.body), { text: `*TEST: ops google_chat*\n${TEST_SUMMARY}\n<${CHANNELS_PAGE}|Open in edgebeat>` });

  await rateLimited(c, path);
  await refused(
    c,
    path,
    { status: 404, body: '{"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}' },
    "HTTP 404: the target does not exist",
  );
});

test("mattermost: a Slack-compatible attachment, Markdown-escaped with every @ broken; a deleted hook is permanent", async () => {
  const path = "/kinds/mattermost/hooks/mattermostSecret7890";
  const url = receiver.url(path);
  const c = await watched(eb, "mattermost", { url }, { url }, (p) => p === path);

  const { r: d } = await down(c);
  assert.deepEqual([d.method, d.headers["content-type"]], ["POST", "application/json"]);
  const body = JSON.parse(d.body);
  assert.deepEqual(body, {
    attachments: [
      {
        // Notifications show the fallback as plain text: only the mention is broken there.
        fallback: `DOWN: ${HOSTILE.replace("@", `@${WJ}`)}`,
        color: RED,
        title: `DOWN: ${AS_MATTERMOST}`,
        text: `${AS_MATTERMOST}${md(` is down: ${LATE}.`)}`,
        fields: [
          { title: "Last ping", value: md(c.lastPing), short: false },
          { title: "Tags", value: TAGS_MARKDOWN, short: false },
        ],
        title_link: c.link,
      },
    ],
  });
  noRawMarkup(JSON.stringify([body.attachments[0].title, body.attachments[0].text]), "mattermost's Markdown", RAW_MARKDOWN);
  assert.ok(!d.body.includes("@everyone"), "no @everyone anywhere");

  const { got: [u] } = await up(c);
  const recovered = JSON.parse(u.body).attachments[0];
  assert.deepEqual(
    [recovered.color, recovered.title, recovered.text, recovered.title_link],
    [GREEN, `UP: ${AS_MATTERMOST}`, `${AS_MATTERMOST}${md(` is up again: ${RECOVERED}.`)}`, c.link],
  );

  const { r: t } = await testDelivered(c);
  assert.deepEqual(JSON.parse(t.body), {
    attachments: [
      {
        fallback: "TEST: ops mattermost",
        color: BLUE,
        title: "TEST: ops mattermost",
        text: md(TEST_SUMMARY),
        fields: [],
        title_link: CHANNELS_PAGE,
      },
    ],
  });

  await rateLimited(c, path);
  await refused(
    c,
    path,
    {
      status: 400,
      body: '{"id": "web.incoming_webhook.invalid.app_error", "message": "Invalid webhook", "detailed_error": "", "status_code": 400}',
    },
    "mattermost: web.incoming_webhook.invalid.app_error",
  );
});

test("telegram: sendMessage under the bot token's path, HTML-escaped with every @ broken; chat not found is permanent", async () => {
  const token = "123456789:AAEtelegramBotSecret_abcdefghij-XYZ";
  const path = `/bot${token}/sendMessage`;
  const c = await watched(
    eb,
    "telegram",
    { bot_token: token, chat_id: "-1001234567890", thread_id: 42, api_url: receiver.base },
    { bot_token: token },
    (p) => p === path,
  );
  assert.equal(c.ch.config.chat_id, -1001234567890, "a numeric chat id is stored as a number");

  const { r: d } = await down(c);
  assert.deepEqual([d.method, d.headers["content-type"]], ["POST", "application/json"]);
  noRawMarkup(d.body, "telegram");
  assert.deepEqual(JSON.parse(d.body), {
    chat_id: -1001234567890,
    message_thread_id: 42,
    text: `<b>DOWN: ${AS_TELEGRAM}</b>\n${AS_TELEGRAM} is down: ${LATE}.\nLast ping: ${c.lastPing}\nTags: ${TAGS_HTML}\n<a href="${c.link}">Open in edgebeat</a>`,
    parse_mode: "HTML",
    disable_web_page_preview: true,
  });

  const { got: [u], lastPing } = await up(c);
  assert.equal(
    JSON.parse(u.body).text,
    `<b>UP: ${AS_TELEGRAM}</b>\n${AS_TELEGRAM} is up again: ${RECOVERED}.\nLast ping: ${lastPing}\nTags: ${TAGS_HTML}\n<a href="${c.link}">Open in edgebeat</a>`,
  );

  const { r: t } = await testDelivered(c);
  assert.deepEqual(JSON.parse(t.body), {
    chat_id: -1001234567890,
    message_thread_id: 42,
    text: `<b>TEST: ops telegram</b>\n${TEST_SUMMARY}\n<a href="${CHANNELS_PAGE}">Open in edgebeat</a>`,
    parse_mode: "HTML",
    disable_web_page_preview: true,
  });

  await rateLimited(c, path);
  await refused(
    c,
    path,
    { status: 400, body: '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}' },
    "Bad Request: chat not found",
  );
});

test("matrix: PUT m.room.message with the delivery as transaction id, HTML formatted_body, no mentions; M_UNKNOWN_TOKEN is permanent", async () => {
  const token = "syt_ZWRnZWJlYXQ_matrixSecretToken_1a2b3c";
  const room = "/_matrix/client/v3/rooms/%21ops%3Aexample.org/send/m.room.message/";
  const c = await watched(
    eb,
    "matrix",
    { homeserver: `${receiver.base}/`, access_token: token, room_id: "!ops:example.org" },
    { access_token: token },
    (p) => p.startsWith(room),
  );
  assert.equal(c.ch.config.homeserver, receiver.base, "stored without its trailing slash");
  // The delivery's id and its frozen payload's digest: a delivery id (a rowid) comes back
  // once the newest delivery is deleted, and a homeserver would answer it with the old event.
  const txn = async (id) => {
    const [{ payload }] = await eb.rows("SELECT payload FROM deliveries WHERE id = ?", id);
    return `edgebeat-${id}-${createHash("sha256").update(payload).digest("hex").slice(0, 16)}`;
  };
  const message = (title, titleHtml, lines, linesHtml, link) => ({
    msgtype: "m.text",
    body: `${title}\n${lines.join("\n")}\n${link}`,
    format: "org.matrix.custom.html",
    formatted_body: `<strong>${titleHtml}</strong><br>${linesHtml.join("<br>")}<br><a href="${link}">Open in edgebeat</a>`,
    "m.mentions": {},
  });

  const { r: d, delivery } = await down(c);
  assert.deepEqual(
    [d.method, d.path, d.headers["content-type"], d.headers.authorization],
    ["PUT", `${room}${await txn(delivery.id)}`, "application/json", `Bearer ${token}`],
  );
  const body = JSON.parse(d.body);
  assert.deepEqual(
    body,
    message(
      `DOWN: ${HOSTILE}`,
      `DOWN: ${AS_HTML}`,
      [`${HOSTILE} is down: ${LATE}.`, `Last ping: ${c.lastPing}`, `Tags: ${TAGS_TEXT}`],
      [`${AS_HTML} is down: ${LATE}.`, `Last ping: ${c.lastPing}`, `Tags: ${TAGS_HTML}`],
      c.link,
    ),
  );
  noRawMarkup(body.formatted_body, "matrix's formatted_body");

  const { got: [u], lastPing, delivery: upDelivery } = await up(c);
  assert.deepEqual([u.method, u.path], ["PUT", `${room}${await txn(upDelivery.id)}`]);
  assert.deepEqual(
    JSON.parse(u.body),
    message(
      `UP: ${HOSTILE}`,
      `UP: ${AS_HTML}`,
      [`${HOSTILE} is up again: ${RECOVERED}.`, `Last ping: ${lastPing}`, `Tags: ${TAGS_TEXT}`],
      [`${AS_HTML} is up again: ${RECOVERED}.`, `Last ping: ${lastPing}`, `Tags: ${TAGS_HTML}`],
      c.link,
    ),
  );

  const { r: t, delivery: testDelivery } = await testDelivered(c);
  assert.deepEqual([t.method, t.path, t.headers.authorization], ["PUT", `${room}${await txn(testDelivery.id)}`, `Bearer ${token}`]);
  assert.deepEqual(
    JSON.parse(t.body),
    message("TEST: ops matrix", "TEST: ops matrix", [TEST_SUMMARY], [TEST_SUMMARY], CHANNELS_PAGE),
  );

  const held = await rateLimited(c, `${room}*`);
  // Its retry, once the wait is over, is the same transaction: a homeserver that took the
  // first would not post it twice.
  const mark = receiver.log.length;
  await eb.sweep(Date.parse(held.next_attempt_at) + 1_000);
  const retried = only(since(mark, c.mine), "the matrix retry");
  assert.deepEqual([retried.method, retried.path], ["PUT", `${room}${await txn(held.id)}`]);
  await refused(
    c,
    `${room}*`,
    { status: 401, body: '{"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed.", "soft_logout": false}' },
    "matrix: M_UNKNOWN_TOKEN",
  );
});

test("ntfy: JSON published to the server's root with the token as a bearer, plain text, the channel's priorities; 403 is permanent", async () => {
  const token = "tk_ntfySecretToken0123456789ab";
  const c = await watched(
    eb,
    "ntfy",
    { url: `${receiver.base}/`, topic: "edgebeat-alerts", token, priority_down: 4 },
    { token },
    (p) => p === "/",
  );
  const push = (title, message, priority, tag, label, link) => ({
    topic: "edgebeat-alerts",
    title,
    message,
    priority,
    tags: [tag],
    click: link,
    actions: [{ action: "view", label, url: link }],
  });

  const { r: d } = await down(c);
  assert.deepEqual(
    [d.method, d.url, d.headers["content-type"], d.headers.authorization],
    ["POST", "/", "application/json", `Bearer ${token}`],
  );
  assert.deepEqual(
    JSON.parse(d.body),
    push(`DOWN: ${HOSTILE}`, `${HOSTILE} is down: ${LATE}.\nLast ping: ${c.lastPing}\nTags: ${TAGS_TEXT}`, 4, "rotating_light", "Open monitor", c.link),
    "plain text: the name as written",
  );

  const { got: [u], lastPing } = await up(c);
  assert.deepEqual(
    JSON.parse(u.body),
    push(`UP: ${HOSTILE}`, `${HOSTILE} is up again: ${RECOVERED}.\nLast ping: ${lastPing}\nTags: ${TAGS_TEXT}`, 3, "white_check_mark", "Open monitor", c.link),
  );

  const { r: t } = await testDelivered(c);
  assert.equal(t.headers.authorization, `Bearer ${token}`);
  assert.deepEqual(JSON.parse(t.body), push("TEST: ops ntfy", TEST_SUMMARY, 3, "test_tube", "Open channels", CHANNELS_PAGE));

  await rateLimited(c, "/");
  await refused(
    c,
    "/",
    { status: 403, body: '{"code":40301,"http":403,"error":"forbidden","link":"https://ntfy.sh/docs/publish/#authentication"}' },
    "HTTP 403: the credential may not post here",
  );
});

test("gotify: a Markdown message to /message with the token in X-Gotify-Key and a click URL; 401 is permanent", async () => {
  const token = "AgotifyAppToken.X9";
  const c = await watched(eb, "gotify", { url: receiver.base, token }, { token }, (p) => p === "/message");
  const message = (title, paragraphs, priority, link) => ({
    title,
    message: [...paragraphs, `[Open in edgebeat](${link})`].join("\n\n"),
    priority,
    extras: { "client::display": { contentType: "text/markdown" }, "client::notification": { click: { url: link } } },
  });

  const { r: d } = await down(c);
  assert.deepEqual(
    [d.method, d.url, d.headers["content-type"], d.headers["x-gotify-key"]],
    ["POST", "/message", "application/json", token],
  );
  const body = JSON.parse(d.body);
  assert.deepEqual(
    body,
    message(`DOWN: ${HOSTILE}`, [`${AS_MARKDOWN}${md(` is down: ${LATE}.`)}`, md(`Last ping: ${c.lastPing}`), `Tags: ${TAGS_MARKDOWN}`], 8, c.link),
  );
  noRawMarkup(body.message, "gotify's Markdown message", RAW_MARKDOWN);

  const { got: [u], lastPing } = await up(c);
  assert.deepEqual(
    JSON.parse(u.body),
    message(`UP: ${HOSTILE}`, [`${AS_MARKDOWN}${md(` is up again: ${RECOVERED}.`)}`, md(`Last ping: ${lastPing}`), `Tags: ${TAGS_MARKDOWN}`], 4, c.link),
  );

  const { r: t } = await testDelivered(c);
  assert.deepEqual(JSON.parse(t.body), message("TEST: ops gotify", [md(TEST_SUMMARY)], 2, CHANNELS_PAGE));

  await rateLimited(c, "/message");
  await refused(
    c,
    "/message",
    { status: 401, body: '{"error":"Unauthorized","errorCode":401,"errorDescription":"you need to provide a valid access token or user credentials to access this api"}' },
    "HTTP 401: the credential was refused",
  );
});

test("pushover: an HTML-mode form post; an emergency outage tagged, its recovery cancelled by tag first; a refused token is permanent", async () => {
  const app = "pushoverAppToken00000000000042";
  const user = "pushoverUserKey000000000000077";
  const messages = "/1/messages.json";
  const c = await watched(
    eb,
    "pushover",
    { app_token: app, user_key: user, priority: 2, api_url: receiver.base },
    { app_token: app, user_key: user },
    (p) => p === messages || p.startsWith("/1/receipts/"),
  );

  const { r: d } = await down(c);
  assert.deepEqual(
    [d.method, d.url, d.headers["content-type"]],
    ["POST", messages, "application/x-www-form-urlencoded"],
  );
  const sent = form(d.body);
  assert.deepEqual(sent, [
    ["token", app],
    ["user", user],
    ["title", `DOWN: ${HOSTILE}`],
    ["message", `${AS_HTML} is down: ${LATE}.\nLast ping: ${c.lastPing}\nTags: ${TAGS_HTML}`],
    ["html", "1"],
    ["priority", "2"],
    ["timestamp", String(Math.floor(c.deadline / 1000))],
    ["url", c.link],
    ["url_title", "Open in edgebeat"],
    ["retry", "60"],
    ["expire", "3600"],
    ["tags", c.key],
  ]);
  noRawMarkup(Object.fromEntries(sent).message, "pushover's HTML message");

  // The emergency repeats until acknowledged: the recovery cancels them by the outage's tag,
  // then says so at normal priority.
  const { got: [cancel, u], lastPing } = await up(c, 2);
  assert.deepEqual(
    [cancel.method, cancel.url, cancel.headers["content-type"], form(cancel.body)],
    ["POST", `/1/receipts/cancel_by_tag/${c.key}.json`, "application/x-www-form-urlencoded", [["token", app]]],
  );
  assert.equal(u.url, messages);
  const recovered = form(u.body);
  assert.deepEqual(recovered.slice(0, 6), [
    ["token", app],
    ["user", user],
    ["title", `UP: ${HOSTILE}`],
    ["message", `${AS_HTML} is up again: ${RECOVERED}.\nLast ping: ${lastPing}\nTags: ${TAGS_HTML}`],
    ["html", "1"],
    ["priority", "0"],
  ]);
  assert.deepEqual(recovered.slice(7).map(([k]) => k), ["url", "url_title"], "no emergency repeats for a recovery");

  const sample = await testDelivered(c);
  const fields = form(sample.r.body);
  const timestamp = Number(Object.fromEntries(fields).timestamp) * 1000;
  assert.ok(timestamp >= sample.started - 1_000 && timestamp <= sample.ended, "the test's moment");
  assert.deepEqual(fields, [
    ["token", app],
    ["user", user],
    ["title", "TEST: ops pushover"],
    ["message", TEST_SUMMARY],
    ["html", "1"],
    ["priority", "1"],
    ["timestamp", String(timestamp / 1000)],
    ["url", CHANNELS_PAGE],
    ["url_title", "Open in edgebeat"],
  ]);

  await rateLimited(c, messages);
  await refused(
    c,
    messages,
    { status: 400, body: '{"token":"invalid","errors":["application token is invalid"],"status":0,"request":"5042853c-402d-4a18-abcb-168734a801de"}' },
    "Pushover refused the application token: application token is invalid",
  );
});

test("pagerduty: Events API v2, a trigger keyed by the monitor's unique_key and the resolve of that key; a refused routing key is permanent", async () => {
  const routingKey = "pdRoutingKey00000000000000000099";
  const path = "/v2/enqueue";
  const c = await watched(
    eb,
    "pagerduty",
    { routing_key: routingKey, events_url: receiver.url(path) },
    { routing_key: routingKey },
    (p) => p === path,
  );

  const { r: d } = await down(c);
  assert.deepEqual([d.method, d.headers["content-type"]], ["POST", "application/json"]);
  assert.deepEqual(JSON.parse(d.body), {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: c.key,
    payload: {
      summary: `DOWN: ${HOSTILE} (${LATE})`,
      source: "edgebeat",
      severity: "critical",
      timestamp: new Date(c.deadline).toISOString(),
      custom_details: { reason: LATE, last_ping: c.lastPing, tags: TAGS },
    },
    client: "edgebeat",
    client_url: c.link,
    links: [{ href: c.link, text: "Open in edgebeat" }],
  });

  const { got: [u] } = await up(c);
  assert.deepEqual(JSON.parse(u.body), { routing_key: routingKey, event_action: "resolve", dedup_key: c.key });

  const sample = await testDelivered(c);
  const t = JSON.parse(sample.r.body);
  assertNow(t.payload.timestamp, sample);
  assert.deepEqual(t, {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: `edgebeat-test-${sample.delivery.id}`,
    payload: {
      summary: `TEST: ops pagerduty (${TEST_REASON})`,
      source: "edgebeat",
      severity: "info",
      timestamp: t.payload.timestamp,
      custom_details: { reason: TEST_REASON },
    },
    client: "edgebeat",
    client_url: CHANNELS_PAGE,
    links: [{ href: CHANNELS_PAGE, text: "Open in edgebeat" }],
  });

  await rateLimited(c, path);
  await refused(
    c,
    path,
    { status: 400, body: '{"status":"invalid event","message":"Event object is invalid","errors":["Invalid routing key"]}' },
    "PagerDuty refused the routing key: Invalid routing key",
  );
});

test("opsgenie: an alert aliased by the monitor's unique_key with an HTML description, closed by that alias; a refused alert is permanent", async () => {
  const apiKey = "0f1e2d3c-4b5a-6978-8796-opsgenie4242";
  const c = await watched(
    eb,
    "opsgenie",
    { api_key: apiKey, api_url: receiver.base },
    { api_key: apiKey },
    (p) => p.startsWith("/v2/alerts"),
  );

  const { r: d } = await down(c);
  assert.deepEqual(
    [d.method, d.url, d.headers["content-type"], d.headers.authorization],
    ["POST", "/v2/alerts", "application/json", `GenieKey ${apiKey}`],
  );
  const body = JSON.parse(d.body);
  assert.deepEqual(body, {
    message: `DOWN: ${HOSTILE}`,
    alias: c.key,
    description: `<p>${AS_HTML} is down: ${LATE}.</p><p>Last ping: ${c.lastPing}</p><p>Tags: ${TAGS_HTML}</p><p><a href="${c.link}">Open in edgebeat</a></p>`,
    priority: "P1",
    source: "edgebeat",
    tags: ["edgebeat", ...TAGS],
    details: { reason: LATE, last_ping: c.lastPing, link: c.link },
  });
  noRawMarkup(body.description, "opsgenie's HTML description");

  const { got: [u], lastPing } = await up(c);
  assert.deepEqual(
    [u.method, u.url, u.headers.authorization],
    ["POST", `/v2/alerts/${c.key}/close?identifierType=alias`, `GenieKey ${apiKey}`],
  );
  assert.deepEqual(JSON.parse(u.body), {
    source: "edgebeat",
    note: `${HOSTILE} is up again: ${RECOVERED}.\nLast ping: ${lastPing}\nTags: ${TAGS_TEXT}`,
  });

  const sample = await testDelivered(c);
  assert.deepEqual(JSON.parse(sample.r.body), {
    message: "TEST: ops opsgenie",
    alias: `edgebeat-test-${sample.delivery.id}`,
    description: `<p>${TEST_SUMMARY}</p><p><a href="${CHANNELS_PAGE}">Open in edgebeat</a></p>`,
    priority: "P5",
    source: "edgebeat",
    tags: ["edgebeat"],
    details: { reason: TEST_REASON, link: CHANNELS_PAGE },
  });

  await rateLimited(c, "/v2/alerts");
  await refused(
    c,
    "/v2/alerts",
    {
      status: 422,
      body: '{"message":"Request body is not processable. Please check the errors.","errors":{"message":"Message can not be empty."},"took":0.001,"requestId":"r1"}',
    },
    "HTTP 422: Opsgenie refused the alert: Message can not be empty.",
  );
});

/** An edgebeat whose email goes through `api` (the mail API at the receiver), for `run`. */
async function withMail(api, apiKey, run) {
  const mail = await startEdgebeat({
    vars: { MAIL_API: api, MAIL_FROM: "alerts@edgebeat.test", MAIL_API_URL: receiver.base, ...QUICK_FLUSH },
    secrets: { MAIL_API_KEY: apiKey },
  });
  try {
    await run(mail);
  } finally {
    await mail.close();
  }
}

/** What every alert email says, as text and as HTML (every text of the user's escaped). */
function mailBodies(c, { title, titleHtml, lines, linesHtml, link }) {
  const text = `${lines.join("\n")}\n\nOpen in edgebeat: ${link}\n\n-- \nSent by edgebeat to the channel ${c.ch.name}.\n`;
  return { text, htmlParts: [`<title>${titleHtml}</title>`, `<h1 style="font-size:18px">${titleHtml}</h1>`, ...linesHtml.map((l) => `<p>${l}</p>`), `href="${link}"`, `Sent by edgebeat to the channel ${c.ch.name}.</p></body></html>`], title };
}

function assertHtml(html, parts, where) {
  for (const part of parts) assert.ok(html.includes(part), `${where} has ${part}`);
  noRawMarkup(html, where);
}

test("email through Resend: JSON to /emails with a bearer key, the name HTML-escaped in the HTML part; a sender refused is permanent", async () => {
  const apiKey = "re_resendMailKey_0123456789";
  await withMail("resend", apiKey, async (mail) => {
    const to = ["ops@example.com", "oncall@example.com"];
    const c = await watched(mail, "email", { to }, {}, (p) => p === "/emails");
    assert.deepEqual(c.ch.config, { to });
    const list = await mail.api("GET", "/v1/channels", { auth: c.t.key });
    assert.ok(!list.text.includes(apiKey), "the deploy's mail key is never shown");

    const { r: d } = await down(c);
    assert.deepEqual(
      [d.method, d.url, d.headers["content-type"], d.headers.authorization],
      ["POST", "/emails", "application/json", `Bearer ${apiKey}`],
    );
    const downMail = mailBodies(c, {
      title: `DOWN: ${HOSTILE}`,
      titleHtml: `DOWN: ${AS_HTML}`,
      lines: [`${HOSTILE} is down: ${LATE}.`, `Last ping: ${c.lastPing}`, `Tags: ${TAGS_TEXT}`],
      linesHtml: [`${AS_HTML} is down: ${LATE}.`, `Last ping: ${c.lastPing}`, `Tags: ${TAGS_HTML}`],
      link: c.link,
    });
    const { html, ...rest } = JSON.parse(d.body);
    assert.deepEqual(rest, {
      from: "alerts@edgebeat.test",
      to,
      subject: downMail.title,
      text: downMail.text,
      headers: { "List-Unsubscribe": `<${CHANNELS_PAGE}>` },
    });
    assertHtml(html, downMail.htmlParts, "the down email's HTML");

    const { got: [u], lastPing } = await up(c);
    const upMail = mailBodies(c, {
      title: `UP: ${HOSTILE}`,
      titleHtml: `UP: ${AS_HTML}`,
      lines: [`${HOSTILE} is up again: ${RECOVERED}.`, `Last ping: ${lastPing}`, `Tags: ${TAGS_TEXT}`],
      linesHtml: [`${AS_HTML} is up again: ${RECOVERED}.`, `Last ping: ${lastPing}`, `Tags: ${TAGS_HTML}`],
      link: c.link,
    });
    const recovered = JSON.parse(u.body);
    assert.deepEqual([recovered.subject, recovered.text, recovered.to], [upMail.title, upMail.text, to]);
    assertHtml(recovered.html, upMail.htmlParts, "the up email's HTML");

    const { r: t } = await testDelivered(c);
    const sample = JSON.parse(t.body);
    const testMail = mailBodies(c, {
      title: "TEST: ops email",
      titleHtml: "TEST: ops email",
      lines: [TEST_SUMMARY],
      linesHtml: [TEST_SUMMARY],
      link: CHANNELS_PAGE,
    });
    assert.deepEqual([sample.subject, sample.text, sample.to, sample.from], [testMail.title, testMail.text, to, "alerts@edgebeat.test"]);
    assertHtml(sample.html, testMail.htmlParts, "the test email's HTML");

    await rateLimited(c, "/emails");
    await refused(
      c,
      "/emails",
      {
        status: 403,
        body: '{"statusCode":403,"message":"The edgebeat.test domain is not verified. Please, add and verify your domain.","name":"validation_error"}',
      },
      "HTTP 403: the mail API will not send from this sender (is its domain verified?): The edgebeat.test domain is not verified. Please, add and verify your domain.",
    );
  });
});

test("email through Postmark: JSON to /email with the server token header; a refused token is permanent", async () => {
  const apiKey = "pm-server-token-0000-4242";
  await withMail("postmark", apiKey, async (mail) => {
    const to = ["ops@example.com", "oncall@example.com"];
    const c = await watched(mail, "email", { to }, {}, (p) => p === "/email");

    const { r: d } = await down(c);
    assert.deepEqual(
      [d.method, d.url, d.headers["content-type"], d.headers["x-postmark-server-token"], d.headers.accept],
      ["POST", "/email", "application/json", apiKey, "application/json"],
    );
    const downMail = mailBodies(c, {
      title: `DOWN: ${HOSTILE}`,
      titleHtml: `DOWN: ${AS_HTML}`,
      lines: [`${HOSTILE} is down: ${LATE}.`, `Last ping: ${c.lastPing}`, `Tags: ${TAGS_TEXT}`],
      linesHtml: [`${AS_HTML} is down: ${LATE}.`, `Last ping: ${c.lastPing}`, `Tags: ${TAGS_HTML}`],
      link: c.link,
    });
    const { HtmlBody, ...rest } = JSON.parse(d.body);
    assert.deepEqual(rest, {
      From: "alerts@edgebeat.test",
      To: to.join(","),
      Subject: downMail.title,
      TextBody: downMail.text,
      MessageStream: "outbound",
      Headers: [{ Name: "List-Unsubscribe", Value: `<${CHANNELS_PAGE}>` }],
    });
    assertHtml(HtmlBody, downMail.htmlParts, "the down email's HTML");

    const { got: [u] } = await up(c);
    assert.equal(JSON.parse(u.body).Subject, `UP: ${HOSTILE}`);

    const { r: t } = await testDelivered(c);
    assert.equal(JSON.parse(t.body).Subject, "TEST: ops email");

    await rateLimited(c, "/email");
    await refused(
      c,
      "/email",
      { status: 401, body: '{"ErrorCode":10,"Message":"The Server Token you provided in the X-Postmark-Server-Token request header was invalid."}' },
      "HTTP 401: the mail API refused its key: The Server Token you provided in the X-Postmark-Server-Token request header was invalid.",
    );
  });
});
