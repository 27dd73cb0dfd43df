/*
 * The dashboard's script. It shows what GET /v1/stats/journeys answers, nothing it computes on
 * its own beyond adding a journey's steps up: every figure on the page carries the path of the
 * answer it comes from (data-stat), which the browser test checks against the API.
 *
 * The API key is asked for once per browser tab and kept in sessionStorage: it goes out only
 * as the bearer header of this page's own requests, never in a URL or a cookie.
 * Figures the stats grow later (A/B variants, holdouts, …) are shown as they come: any field
 * of a journey or step this script does not know gets its own section, rendered generically.
 */
'use strict';
(() => {
  const KEY_STORAGE = 'journeys.apiKey';
  const $ = (id) => document.getElementById(id);

  /** What the page knows how to draw; anything else in the answer gets a generic section. */
  const KNOWN_TOP = new Set(['attributionWindowDays', 'journeys']);
  const KNOWN_JOURNEY = new Set(['journey', 'entered', 'steps', 'daily']);
  const KNOWN_STEP = new Set([
    'step', 'entered', 'sent', 'skipped', 'deferred', 'failed', 'delivered', 'opened', 'clicked',
    'machineOpened', 'machineClicked', 'bounced', 'complained', 'converted', 'convertedByCoupon', 'couponsRedeemed', 'revenue', 'daily',
  ]);
  const FUNNEL = [
    ['entered', 'Entered'],
    ['sent', 'Sent'],
    ['delivered', 'Delivered'],
    ['opened', 'Opened'],
    ['clicked', 'Clicked'],
    ['converted', 'Converted'],
  ];
  /** Why a message was not sent, in the shop's words (codes from the send path's guardrails). */
  const REASONS = {
    no_consent: 'no marketing consent',
    unsubscribed: 'unsubscribed',
    suppressed: 'address suppressed (bounce, complaint or manual)',
    unengaged: 'marked unengaged by the sunset',
    frequency_cap: 'frequency cap reached',
    out_of_stock: 'everything it would show was sold out',
    no_email: 'no email address',
    erased: 'customer erased',
    sent_for_another_order: 'already sent for another order',
    exit_event_while_deferred: 'the journey ended while the send waited',
    exit_event_before_retry: 'the journey ended before a retry',
    journey_paused: 'journey paused',
    outside_audience: "outside the step's audience",
    holdout: 'in the holdout (control) group',
  };
  const SECTION_TITLES = { variants: 'A/B test', experiment: 'Experiment', experiments: 'Experiments', holdout: 'Holdout' };
  const COLORS = ['#1a5fb4', '#26a269', '#c64600', '#9141ac', '#e5a50a', '#63452c', '#0c7d9d'];

  const state = { stats: null, query: null, journey: null, step: '', charts: [] };
  const count = new Intl.NumberFormat('en', { maximumFractionDigits: 4 });

  // ── small DOM helpers (no innerHTML: every value from the API is text) ──
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k === 'stat') node.dataset.stat = JSON.stringify(v);
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) node.append(c);
    return node;
  }
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  /** A number as shown, tagged with where in the answer it comes from. */
  const num = (value, stat, tag = 'span') => el(tag, { class: 'num', stat, text: count.format(value ?? 0) });
  function moneyText(amount, currency) {
    try {
      return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount);
    } catch {
      return `${count.format(amount)} ${currency}`;
    }
  }
  const pct = (part, whole) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '–');
  const setStatus = (text, isError) => {
    const s = $('status');
    s.textContent = text || '';
    s.classList.toggle('error', !!isError);
  };

  // ── the range: presets in UTC days, as the stats count them ──
  const dayString = (d) => d.toISOString().slice(0, 10);
  const addDays = (s, n) => {
    const d = new Date(`${s}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return dayString(d);
  };
  function applyPreset() {
    const preset = $('range-preset').value;
    if (preset === 'custom') return;
    const today = dayString(new Date());
    $('range-from').value = preset === 'all' ? '' : addDays(today, 1 - Number(preset));
    $('range-to').value = preset === 'all' ? '' : today;
  }
  function readRange() {
    const from = $('range-from').value;
    const to = $('range-to').value;
    const windowDays = $('range-window').value || '5';
    const q = new URLSearchParams({ series: 'daily', attributionWindowDays: windowDays });
    if (from) q.set('since', `${from}T00:00:00Z`);
    if (to) q.set('until', `${addDays(to, 1)}T00:00:00Z`);
    return { q, from, to };
  }

  // ── loading ──
  function showSignIn(message) {
    destroyCharts();
    $('board').hidden = true;
    $('board').replaceChildren();
    $('range').hidden = true;
    $('sign-in').hidden = false;
    const err = $('sign-in-error');
    err.hidden = !message;
    err.textContent = message || '';
    setStatus('');
    $('api-key').focus();
  }

  async function load() {
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (!key) return showSignIn();
    const range = readRange();
    setStatus('Loading…');
    document.body.dataset.loaded = 'false';
    let res;
    try {
      res = await fetch(`/v1/stats/journeys?${range.q}`, {
        headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
        cache: 'no-store',
      });
    } catch (err) {
      return setStatus(`The API did not answer: ${err.message}`, true);
    }
    if (res.status === 401) {
      sessionStorage.removeItem(KEY_STORAGE);
      return showSignIn('That API key was not accepted.');
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) return setStatus(`The API answered ${res.status}: ${body?.error?.message ?? res.statusText}`, true);
    $('sign-in').hidden = true;
    $('range').hidden = false;
    state.stats = body;
    state.query = range;
    if (!body.journeys.some((j) => j.journey === state.journey)) {
      state.journey = body.journeys[0]?.journey ?? null;
      state.step = '';
    }
    render();
    const stamp = new Date().toISOString().slice(11, 19);
    setStatus(`${body.journeys.length} journeys with messages · ${range.from ? `${range.from} – ${range.to || 'today'}` : 'all time'} (UTC days) · attribution ${body.attributionWindowDays} days · as of ${stamp} UTC`);
    document.body.dataset.loaded = 'true';
  }

  // ── rendering ──
  function destroyCharts() {
    for (const c of state.charts) c.destroy();
    state.charts = [];
  }
  const sumSteps = (j, field) => j.steps.reduce((n, s) => n + (s[field] ?? 0), 0);
  function revenueOf(steps) {
    const out = {};
    for (const s of steps) for (const [c, v] of Object.entries(s.revenue || {})) out[c] = Math.round(((out[c] ?? 0) + v) * 100) / 100;
    return out;
  }

  function render() {
    destroyCharts();
    const board = $('board');
    const { stats } = state;
    const sections = [overview(stats)];
    const j = stats.journeys.find((x) => x.journey === state.journey);
    if (j) sections.push(...journeyDetail(j));
    for (const [key, value] of Object.entries(stats)) {
      if (!KNOWN_TOP.has(key)) sections.push(el('section', { class: 'card' }, el('h2', { text: SECTION_TITLES[key] ?? key }), generic(value, ['@', key])));
    }
    board.replaceChildren(...sections);
    board.hidden = false;
    for (const draw of pendingCharts.splice(0)) draw();
  }

  function overview(stats) {
    const head = el('tr', {}, ['Journey', 'Entered', 'Sent', 'Delivered', 'Opened', 'Clicked', 'Converted', 'Revenue'].map((h, i) => el('th', { class: i === 0 || i === 7 ? 'text' : undefined, text: h })));
    const rows = stats.journeys.map((j) => {
      const revenue = revenueOf(j.steps);
      return el(
        'tr',
        {
          class: `selectable${j.journey === state.journey ? ' selected' : ''}`,
          'data-journey': j.journey,
          onclick: () => {
            state.journey = j.journey;
            state.step = '';
            render();
          },
        },
        el('td', { class: 'text' }, el('strong', { text: j.journey })),
        num(j.entered, [j.journey, '', 'entered'], 'td'),
        ['sent', 'delivered', 'opened', 'clicked', 'converted'].map((f) => num(sumSteps(j, f), [j.journey, '*', f], 'td')),
        el('td', { class: 'text' }, moneyList(revenue, [j.journey, '*', 'revenue'])),
      );
    });
    const body = rows.length ? rows : [el('tr', {}, el('td', { class: 'text muted', colspan: '8', text: 'No messages in this range yet.' }))];
    return el(
      'section',
      { class: 'card', id: 'overview' },
      el('h2', { text: 'Journeys' }),
      el('table', {}, el('thead', {}, head), el('tbody', {}, body)),
      el('p', { class: 'note', text: 'Entered counts journeys (one per customer run); the other columns count messages, each on the day it was created. Click a journey for its details.' }),
    );
  }

  function moneyList(revenue, stat) {
    const entries = Object.entries(revenue);
    if (!entries.length) return el('span', { class: 'muted', text: '–' });
    return entries.map(([currency, amount], i) => el('span', {}, i ? ' · ' : '', el('span', { class: 'num', stat: [...stat, currency], text: moneyText(amount, currency) })));
  }

  const pendingCharts = [];

  function journeyDetail(j) {
    const step = j.steps.find((s) => s.step === state.step);
    const scope = step ? [j.journey, step.step] : [j.journey, '*'];
    const value = (field) => (step ? step[field] : field === 'entered' ? j.entered : sumSteps(j, field));
    const statOf = (field) => (step || field !== 'entered' ? [...scope, field] : [j.journey, '', 'entered']);

    const stepSelect = el(
      'select',
      {
        id: 'step-select',
        onchange: (e) => {
          state.step = e.target.value;
          render();
        },
      },
      el('option', { value: '', text: 'All steps' }),
      j.steps.map((s) => el('option', { value: s.step, selected: s.step === state.step, text: s.step })),
    );

    // funnel
    const first = value('entered') || 1;
    const stages = FUNNEL.map(([field, label], i) => {
      const v = value(field);
      const base = field === 'entered' ? null : field === 'sent' ? (step ? value('entered') : null) : value('sent');
      const fill = el('div', { class: 'fill' });
      fill.style.width = `${Math.min(100, (100 * v) / first)}%`;
      return el(
        'div',
        { class: 'stage', 'data-stage': field },
        el('span', { text: label }),
        el('div', { class: 'bar' }, fill),
        el('span', {}, num(v, statOf(field)), el('span', { class: 'rate', text: base === null ? '' : `${pct(v, base)}${i === 1 ? ' of entered' : ' of sent'}` })),
      );
    });
    const revenue = step ? step.revenue : revenueOf(j.steps);
    const byCoupon = value('convertedByCoupon');
    const money = el(
      'div',
      { class: 'money' },
      Object.keys(revenue).length
        ? Object.entries(revenue).map(([c, amount]) => el('div', { class: 'amount' }, el('small', { text: `revenue ${c}` }), el('span', { stat: [...scope, 'revenue', c], text: moneyText(amount, c) })))
        : el('div', { class: 'muted', text: 'No attributed revenue in this range.' }),
    );
    const funnelCard = el(
      'section',
      { class: 'card funnel', id: 'funnel' },
      el('h2', { text: `Funnel${step ? ` · ${step.step}` : ''}` }),
      stages,
      el('p', { class: 'note' }, `Converted: orders credited to this journey's messages (`, num(byCoupon, statOf('convertedByCoupon')), ` by a coupon it carried, the rest by last touch within ${state.stats.attributionWindowDays} days). `, step ? '' : 'Entered counts journeys, the other stages messages.'),
      el('h3', { text: 'Revenue by currency' }),
      money,
    );

    // daily chart
    const series = (step ? step.daily : j.daily) || [];
    const days = dayAxis(series);
    const byDate = new Map(series.map((d) => [d.date, d]));
    const canvas = el('canvas', { id: 'daily-chart', 'aria-label': 'messages per day' });
    const revenueCanvas = el('canvas', { id: 'revenue-chart', 'aria-label': 'attributed revenue per day' });
    const chartCard = el(
      'section',
      { class: 'card', id: 'daily' },
      el('div', { class: 'toolbar' }, el('h2', { text: `${j.journey} per day` }), el('label', {}, 'Step ', stepSelect)),
      el('div', { class: 'chart' }, canvas),
      el('h3', { text: 'Attributed revenue per day' }),
      el('div', { class: 'chart' }, revenueCanvas),
    );
    pendingCharts.push(() => {
      if (!window.Chart) return setStatus('Chart.js did not load', true);
      const metrics = ['sent', 'delivered', 'opened', 'clicked', 'converted'];
      state.charts.push(
        new window.Chart(canvas, {
          type: 'line',
          data: {
            labels: days,
            datasets: metrics.map((m, i) => ({
              label: m[0].toUpperCase() + m.slice(1),
              data: days.map((d) => byDate.get(d)?.[m] ?? 0),
              borderColor: COLORS[i],
              backgroundColor: COLORS[i],
              tension: 0.2,
              pointRadius: days.length > 40 ? 0 : 3,
            })),
          },
          options: { animation: false, maintainAspectRatio: false, interaction: { mode: 'index', intersect: false }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
        }),
      );
      const currencies = [...new Set(series.flatMap((d) => Object.keys(d.revenue || {})))].sort();
      state.charts.push(
        new window.Chart(revenueCanvas, {
          type: 'bar',
          data: {
            labels: days,
            datasets: currencies.map((c, i) => ({ label: c, data: days.map((d) => byDate.get(d)?.revenue?.[c] ?? 0), backgroundColor: COLORS[(i + 1) % COLORS.length] })),
          },
          options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
        }),
      );
    });

    return [el('div', { class: 'grid' }, funnelCard, chartCard), stepsTable(j), skippedCard(j), ...extraSections(j)];
  }

  /** Every UTC day of the chosen range (or, for all time, from the first day with messages to the last). */
  function dayAxis(series) {
    let from = state.query.from || series[0]?.date;
    let to = state.query.to || series[series.length - 1]?.date;
    if (!from || !to) return series.map((d) => d.date);
    const days = [];
    for (let d = from; d <= to && days.length < 1000; d = addDays(d, 1)) days.push(d);
    return days;
  }

  function stepsTable(j) {
    const cols = [
      ['entered', 'Entered'], ['sent', 'Sent'], ['deferred', 'Deferred'], ['failed', 'Failed'], ['delivered', 'Delivered'],
      ['opened', 'Opened'], ['clicked', 'Clicked'], ['machineOpened', 'Machine opens'], ['machineClicked', 'Scanner clicks'],
      ['bounced', 'Bounced'], ['complained', 'Complained'],
      ['converted', 'Converted'], ['convertedByCoupon', 'By coupon'], ['couponsRedeemed', 'Codes redeemed'],
    ];
    const head = el('tr', {}, el('th', { text: 'Step' }), cols.map(([, h]) => el('th', { text: h })), el('th', { text: 'Open rate' }), el('th', { text: 'Click rate' }), el('th', { class: 'text', text: 'Revenue' }));
    const rows = j.steps.map((s) =>
      el(
        'tr',
        { 'data-step': s.step, class: s.step === state.step ? 'selected' : undefined },
        el('td', { class: 'text', text: s.step }),
        cols.map(([f]) => num(s[f], [j.journey, s.step, f], 'td')),
        el('td', { text: pct(s.opened, s.delivered || s.sent) }),
        el('td', { text: pct(s.clicked, s.delivered || s.sent) }),
        el('td', { class: 'text' }, moneyList(s.revenue || {}, [j.journey, s.step, 'revenue'])),
      ),
    );
    return el('section', { class: 'card', id: 'steps' }, el('h2', { text: `${j.journey} · per step` }), el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, head), el('tbody', {}, rows))), el('p', { class: 'note', text: 'Opened and clicked count people only: machine opens (Apple Mail Privacy Protection) and scanner clicks are counted apart and left out of the rates and the funnel. Open and click rates are of delivered messages (of sent ones where the provider reports no delivery).' }));
  }

  function skippedCard(j) {
    const rows = [];
    for (const s of j.steps) for (const [reason, n] of Object.entries(s.skipped || {})) rows.push({ step: s.step, reason, n });
    rows.sort((a, b) => b.n - a.n);
    const max = Math.max(1, ...rows.map((r) => r.n));
    const body = rows.length
      ? rows.map((r) => {
          const bar = el('span', { class: 'reason-bar' });
          bar.style.width = `${Math.max(2, (120 * r.n) / max)}px`;
          return el('tr', { 'data-reason': r.reason }, el('td', { class: 'text', text: r.step }), el('td', { class: 'text' }, el('code', { text: r.reason })), el('td', { class: 'text', text: REASONS[r.reason] ?? '' }), el('td', {}, bar, num(r.n, [j.journey, r.step, 'skipped', r.reason])));
        })
      : [el('tr', {}, el('td', { class: 'text muted', colspan: '4', text: 'Nothing was skipped in this range.' }))];
    return el(
      'section',
      { class: 'card', id: 'skipped' },
      el('h2', { text: "Why didn't they get it? · skipped messages by reason" }),
      el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'Step' }), el('th', { class: 'text', text: 'Reason' }), el('th', { class: 'text', text: 'Meaning' }), el('th', { text: 'Messages' }))), el('tbody', {}, body)),
    );
  }

  /** Sections for whatever the stats carry that this page has no special view of (variants, holdouts, …). */
  function extraSections(j) {
    const out = [];
    for (const [key, value] of Object.entries(j)) {
      if (!KNOWN_JOURNEY.has(key)) out.push(el('section', { class: 'card extra', 'data-section': key }, el('h2', { text: `${SECTION_TITLES[key] ?? key} · ${j.journey}` }), key === 'holdout' ? holdoutHeadline(j, value) : null, generic(value, [j.journey, '', key])));
    }
    for (const s of j.steps) {
      for (const [key, value] of Object.entries(s)) {
        if (!KNOWN_STEP.has(key)) out.push(el('section', { class: 'card extra', 'data-section': key }, el('h2', { text: `${SECTION_TITLES[key] ?? key} · ${j.journey} / ${s.step}` }), generic(value, [j.journey, s.step, key])));
      }
    }
    return out;
  }

  /** The holdout's answer in one line: the lift in conversion and revenue per customer, with its interval. */
  function holdoutHeadline(j, h) {
    const rate = h?.lift?.conversionRate;
    if (!isObject(rate) || typeof rate.estimate !== 'number') return null;
    const at = (...path) => [j.journey, '', 'holdout', ...path];
    const points = (v, path) => el('span', { class: 'num', stat: at(...path), 'data-scale': '100', text: `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}` });
    const share = (v, path) => el('span', { class: 'num', stat: at(...path), 'data-scale': '100', text: (100 * v).toFixed(1) });
    const revenue = Object.entries(h.lift.revenuePerCustomer || {}).map(([c, r]) =>
      el('li', {}, `revenue per customer (${c}): `, el('strong', { stat: at('lift', 'revenuePerCustomer', c, 'estimate'), text: moneyText(r.estimate, c) }), ' (95 % interval ', el('span', { stat: at('lift', 'revenuePerCustomer', c, 'low'), text: moneyText(r.low, c) }), ' to ', el('span', { stat: at('lift', 'revenuePerCustomer', c, 'high'), text: moneyText(r.high, c) }), ')'),
    );
    return el(
      'div',
      { class: 'lift' },
      el('p', {}, 'Lift in conversion: ', el('strong', {}, points(rate.estimate, ['lift', 'conversionRate', 'estimate']), ' points'), ' (95 % interval ', points(rate.low, ['lift', 'conversionRate', 'low']), ' to ', points(rate.high, ['lift', 'conversionRate', 'high']), ')'),
      h.treated && h.control
        ? el('p', { class: 'muted' }, 'treated ', share(h.treated.conversionRate, ['treated', 'conversionRate']), ' % of ', num(h.treated.customers, at('treated', 'customers')), ' customers converted, control ', share(h.control.conversionRate, ['control', 'conversionRate']), ' % of ', num(h.control.customers, at('control', 'customers')))
        : null,
      revenue.length ? el('ul', {}, revenue) : null,
    );
  }

  function generic(value, stat) {
    if (typeof value === 'number') return num(value, stat);
    if (value === null || value === undefined) return el('span', { class: 'muted', text: '–' });
    if (Array.isArray(value)) {
      if (value.length && value.every(isObject) && value.some((row) => Object.values(row).some(Array.isArray))) {
        // rows that hold lists themselves (an experiment and its variants): one block each
        return el(
          'div',
          {},
          value.map((row, i) => {
            const [titleKey] = Object.keys(row).filter((k) => typeof row[k] === 'string');
            const scalars = Object.entries(row).filter(([k, v]) => k !== titleKey && !isObject(v) && !Array.isArray(v));
            const nested = Object.entries(row).filter(([, v]) => isObject(v) || Array.isArray(v));
            return el(
              'div',
              { class: 'block' },
              titleKey ? el('h3', { text: row[titleKey] }) : null,
              scalars.length ? el('dl', { class: 'kv' }, scalars.map(([k, v]) => [el('dt', { text: k }), el('dd', {}, generic(v, [...stat, i, k]))])) : null,
              nested.map(([k, v]) => [el('h4', { text: k }), generic(v, [...stat, i, k])]),
            );
          }),
        );
      }
      if (value.length && value.every(isObject)) {
        const columns = [...new Set(value.flatMap((row) => Object.keys(row)))].filter((c) => c !== 'daily');
        return el(
          'div',
          { class: 'scroll' },
          el('table', {}, el('thead', {}, el('tr', {}, columns.map((c, i) => el('th', { class: i === 0 ? undefined : typeof value[0][c] === 'number' ? undefined : 'text', text: c })))),
          el('tbody', {}, value.map((row, i) => el('tr', {}, columns.map((c, ci) => el('td', { class: ci === 0 || typeof row[c] !== 'number' ? 'text' : undefined }, generic(row[c], [...stat, i, c]))))))),
        );
      }
      return el('span', {}, value.map((v, i) => [i ? ', ' : '', generic(v, [...stat, i])]));
    }
    if (isObject(value)) {
      return el('dl', { class: 'kv' }, Object.entries(value).map(([k, v]) => [el('dt', { text: k }), el('dd', {}, generic(v, [...stat, k]))]));
    }
    return el('span', { text: String(value) });
  }

  // ── wiring ──
  document.addEventListener('DOMContentLoaded', () => {
    applyPreset();
    $('sign-in-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const key = $('api-key').value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY_STORAGE, key);
      $('api-key').value = '';
      void load();
    });
    $('range').addEventListener('submit', (e) => {
      e.preventDefault();
      void load();
    });
    $('range-preset').addEventListener('change', () => {
      applyPreset();
      if ($('range-preset').value !== 'custom') void load();
    });
    for (const id of ['range-from', 'range-to']) $(id).addEventListener('change', () => ($('range-preset').value = 'custom'));
    $('sign-out').addEventListener('click', () => {
      sessionStorage.removeItem(KEY_STORAGE);
      state.stats = null;
      showSignIn();
    });
    void load();
  });
})();
