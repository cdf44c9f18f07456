// logformats.js - log format presets for the "log" input kind, and a guess of a log's format
// from its first lines. The Loghub presets are logpai/logparser's Drain benchmark settings (log_format,
// masking regexes, st, depth; as in ../shared/data/loghub2k/settings.json).

export const LOGHUB_PRESETS = [
 {
  "id": "hdfs",
  "label": "HDFS (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Date> <Time> <Pid> <Level> <Component>: <Content>",
   "masks": [
    "blk_-?\\d+",
    "(\\d+\\.){3}\\d+(:\\d+)?"
   ],
   "st": 0.5,
   "depth": 4
  }
 },
 {
  "id": "hadoop",
  "label": "Hadoop (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Date> <Time> <Level> \\[<Process>\\] <Component>: <Content>",
   "masks": [
    "(\\d+\\.){3}\\d+"
   ],
   "st": 0.5,
   "depth": 4
  }
 },
 {
  "id": "spark",
  "label": "Spark (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Date> <Time> <Level> <Component>: <Content>",
   "masks": [
    "(\\d+\\.){3}\\d+",
    "\\b[KGTM]?B\\b",
    "([\\w-]+\\.){2,}[\\w-]+"
   ],
   "st": 0.5,
   "depth": 4
  }
 },
 {
  "id": "zookeeper",
  "label": "Zookeeper (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>",
   "masks": [
    "(/|)(\\d+\\.){3}\\d+(:\\d+)?"
   ],
   "st": 0.5,
   "depth": 4
  }
 },
 {
  "id": "bgl",
  "label": "BGL (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>",
   "masks": [
    "core\\.\\d+"
   ],
   "st": 0.5,
   "depth": 4
  }
 },
 {
  "id": "hpc",
  "label": "HPC (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
   "masks": [
    "=\\d+"
   ],
   "st": 0.5,
   "depth": 4
  }
 },
 {
  "id": "thunderbird",
  "label": "Thunderbird (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\\[<PID>\\])?: <Content>",
   "masks": [
    "(\\d+\\.){3}\\d+"
   ],
   "st": 0.5,
   "depth": 4
  }
 },
 {
  "id": "windows",
  "label": "Windows (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Date> <Time>, <Level>                  <Component>    <Content>",
   "masks": [
    "0x.*?\\s"
   ],
   "st": 0.7,
   "depth": 5
  }
 },
 {
  "id": "linux",
  "label": "Linux (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>",
   "masks": [
    "(\\d+\\.){3}\\d+",
    "\\d{2}:\\d{2}:\\d{2}"
   ],
   "st": 0.39,
   "depth": 6
  }
 },
 {
  "id": "android",
  "label": "Android (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
   "masks": [
    "(/[\\w-]+)+",
    "([\\w-]+\\.){2,}[\\w-]+",
    "\\b(\\-?\\+?\\d+)\\b|\\b0[Xx][a-fA-F\\d]+\\b|\\b[a-fA-F\\d]{4,}\\b"
   ],
   "st": 0.2,
   "depth": 6
  }
 },
 {
  "id": "healthapp",
  "label": "HealthApp (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Time>\\|<Component>\\|<Pid>\\|<Content>",
   "masks": [],
   "st": 0.2,
   "depth": 4
  }
 },
 {
  "id": "apache",
  "label": "Apache (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "\\[<Time>\\] \\[<Level>\\] <Content>",
   "masks": [
    "(\\d+\\.){3}\\d+"
   ],
   "st": 0.5,
   "depth": 4
  }
 },
 {
  "id": "proxifier",
  "label": "Proxifier (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "\\[<Time>\\] <Program> - <Content>",
   "masks": [
    "<\\d+\\ssec",
    "([\\w-]+\\.)+[\\w-]+(:\\d+)?",
    "\\d{2}:\\d{2}(:\\d{2})*",
    "[KGTM]B"
   ],
   "st": 0.6,
   "depth": 3
  }
 },
 {
  "id": "openssh",
  "label": "OpenSSH (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Date> <Day> <Time> <Component> sshd\\[<Pid>\\]: <Content>",
   "masks": [
    "(\\d+\\.){3}\\d+",
    "([\\w-]+\\.){2,}[\\w-]+"
   ],
   "st": 0.6,
   "depth": 5
  }
 },
 {
  "id": "openstack",
  "label": "OpenStack (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Logrecord> <Date> <Time> <Pid> <Level> <Component> \\[<ADDR>\\] <Content>",
   "masks": [
    "((\\d+\\.){3}\\d+,?)+",
    "/.+?\\s",
    "\\d+"
   ],
   "st": 0.5,
   "depth": 5
  }
 },
 {
  "id": "mac",
  "label": "Mac (Loghub)",
  "options": {
   "format": "pattern",
   "log_format": "<Month>  <Date> <Time> <User> <Component>\\[<PID>\\]( \\(<Address>\\))?: <Content>",
   "masks": [
    "([\\w-]+\\.){2,}[\\w-]+"
   ],
   "st": 0.7,
   "depth": 6
  }
 }
];

// Common formats beside Loghub's.
export const COMMON_PRESETS = [
  { id: 'plain', label: 'plain (each line is the message)', options: { format: 'plain' } },
  { id: 'syslog', label: 'syslog (RFC 3164)', options: { format: 'pattern', log_format: '<Month> <Date> <Time> <Host> <Component>(\\[<PID>\\])?: <Content>' } },
  { id: 'access', label: 'Apache/nginx access log (combined)', options: { format: 'pattern', log_format: '<Client> <Ident> <User> \\[<Time>\\] "<Content>" <Status> <Size>( "<Referer>" "<Agent>")?', time_format: '%d/%b/%Y:%H:%M:%S %z' } },
  { id: 'apache-error', label: 'Apache error log', options: { format: 'pattern', log_format: '\\[<Time>\\] \\[<Level>\\] <Content>' } },
  { id: 'logfmt', label: 'logfmt (time=… level=… msg=…)', options: { format: 'pattern', log_format: 'time=<Time> level=<Level> msg=<Content>' } },
  { id: 'json', label: 'JSON lines (message)', options: { format: 'json', content_field: 'message' } },
  { id: 'docker', label: 'Docker JSON envelope ({"log", "time"})', options: { format: 'json', content_field: 'log', time_field: 'time' } },
];

export const PRESETS = [...COMMON_PRESETS, ...LOGHUB_PRESETS];

// logpai's generate_logformat_regex in JavaScript: <Field> -> named lazy group, runs of spaces ->
// \s+, the rest regex syntax; anchored. null when the format is not a valid JS regex.
export function formatRegex(logFormat) {
  let src = '';
  const names = [];
  const parts = logFormat.split(/(<[^<>]+>)/);
  for (const p of parts) {
    const m = /^<([^<>]+)>$/.exec(p);
    if (m) {
      const name = m[1].replace(/[^A-Za-z0-9_]/g, '_');
      names.push(m[1]);
      src += `(?<${name}${names.length}>.*?)`;
    } else {
      src += p.replace(/ +/g, '\\s+');
    }
  }
  try {
    return { re: new RegExp(`^${src}$`), names };
  } catch {
    return null;
  }
}

// The fields of a line under a pattern format (null when it does not match).
export function matchLine(fmt, line) {
  const m = fmt.re.exec(line.trim());
  if (!m) return null;
  const out = {};
  fmt.names.forEach((n, i) => { out[n] = m.groups[`${n.replace(/[^A-Za-z0-9_]/g, '_')}${i + 1}`] ?? ''; });
  return out;
}

const JSON_CONTENT = ['log', 'message', 'msg', 'MESSAGE', 'Message', 'content', 'text'];
const JSON_TIME = ['time', 'timestamp', '@timestamp', 'ts', 'Timestamp', 'date'];

// A stricter regex than logpai's for guessing: a field followed by white space is one token
// (\S+), a field followed by a literal character runs up to it, the message (Content) takes the
// rest. It cannot backtrack badly, and it tells formats apart that logpai's lazy groups would
// all accept.
function guessRegex(logFormat) {
  let src = '';
  const names = [];
  const parts = logFormat.split(/(<[^<>]+>)/);
  for (let k = 0; k < parts.length; k++) {
    const m = /^<([^<>]+)>$/.exec(parts[k]);
    if (!m) { src += parts[k].replace(/ +/g, '\\s+'); continue; }
    names.push(m[1]);
    const next = (parts[k + 1] || '').replace(/^\(|^\\/, '');
    const g = `(?<f${names.length}>`;
    if (m[1] === 'Content') src += `${g}.*)`;
    else if (!next || /^\s/.test(next)) src += `${g}\\S+)`;
    else src += `${g}[^${next[0] === ']' ? '\\]' : next[0].replace(/[\\^\]-]/g, '\\$&')}]*)`;
  }
  try { return { re: new RegExp(`^${src}$`), names }; } catch { return null; }
}

const MONTHS = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/;
const LEVELS = /^(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|SEVERE|Info|Warning|Error|[VDIWEF])$/;
// Plausibility of well-known fields (a guess must not take "INFO" for a month).
function plausible(name, v) {
  switch (name) {
    case 'Month': return MONTHS.test(v);
    case 'Pid': case 'PID': case 'Tid': return /^\d+$/.test(v);
    case 'Time': return /\d/.test(v);
    case 'Date': return /\d/.test(v);
    default: return true;
  }
}

// Guesses the options of the "log" kind from the first lines of a file: JSON lines (which field
// holds the message and the time), else the preset whose format fits most lines (at least 80%;
// more fields win ties), else plain.
export function guessLogFormat(text) {
  const lines = text.split(/\r\n|\n|\r/).filter((l) => l.trim()).slice(0, 40).map((l) => l.slice(0, 2000));
  if (lines.length > 1 && !/\n$|\r$/.test(text)) lines.pop(); // the last line may be cut
  if (!lines.length) return { preset: 'plain', options: { format: 'plain' } };
  if (lines[0].trim().startsWith('{')) {
    try {
      const o = JSON.parse(lines[0]);
      const content = JSON_CONTENT.find((k) => typeof o[k] === 'string');
      const time = JSON_TIME.find((k) => o[k] !== undefined);
      const opts = { format: 'json' };
      if (content) opts.content_field = content;
      if (time) opts.time_field = time;
      return { preset: content === 'log' ? 'docker' : 'json', options: opts };
    } catch { /* not JSON lines after all */ }
  }
  let best = null;
  for (const p of PRESETS) {
    if (p.options.format !== 'pattern') continue;
    const fmt = guessRegex(p.options.log_format);
    if (!fmt) continue;
    let ok = 0;
    for (const l of lines) {
      const m = fmt.re.exec(l.trim());
      if (m && fmt.names.every((n, i) => plausible(n, m.groups[`f${i + 1}`] || ''))) ok++;
    }
    const score = ok / lines.length;
    // ties go to the more specific format: literal characters (brackets, colons) and fields whose
    // values were checked count; a format of bare tokens fits too much
    const spec = p.options.log_format.replace(/<[^<>]+>/g, '').replace(/[\s\\()?]/g, '').length +
      fmt.names.filter((n) => ['Month', 'Pid', 'PID', 'Tid', 'Time', 'Date'].includes(n)).length;
    if (score >= 0.8 && (!best || score > best.score + 1e-9 || (Math.abs(score - best.score) < 1e-9 && spec > best.spec))) {
      best = { preset: p.id, options: p.options, score, spec };
    }
  }
  return best ? { preset: best.preset, options: { ...best.options } } : { preset: 'plain', options: { format: 'plain' } };
}

// The message of one raw line as the log kind reads it (for showing and highlighting a template's
// lines): JSON lines -> the content field; a pattern -> its Content field; plain -> the line.
export function messageOf(options, line) {
  const o = options || {};
  if (o.format === 'json') {
    try {
      const v = JSON.parse(line)[o.content_field || 'log'];
      return { message: typeof v === 'string' ? v.replace(/\n$/, '') : line, header: '' };
    } catch { return { message: line, header: '' }; }
  }
  if (o.format === 'pattern' || o.log_format) {
    const fmt = formatRegex(o.log_format || '');
    const f = fmt && line.length <= 4000 ? matchLine(fmt, line) : null;
    if (f && f[o.content_field || 'Content'] !== undefined) {
      const message = f[o.content_field || 'Content'];
      const at = line.lastIndexOf(message);
      return { message, header: at > 0 ? line.slice(0, at) : '' };
    }
  }
  return { message: line.trim(), header: '' };
}
