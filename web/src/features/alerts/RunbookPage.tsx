import { Link, useParams } from 'react-router';
import { errorMessage } from '../../api/messages';
import { useRunbook } from './queries';
import './alerts.css';

type Block =
  | { kind: 'h'; level: number; text: string }
  | { kind: 'p'; text: string }
  | { kind: 'ul' | 'ol'; items: string[] }
  | { kind: 'pre'; text: string };

/** The runbooks' Markdown as blocks: headings, paragraphs, lists and code; nothing is injected as HTML. */
export function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim().startsWith('```')) {
      const code: string[] = [];
      const indent = line.indexOf('```');
      while (++i < lines.length && !(lines[i] ?? '').trim().startsWith('```'))
        code.push((lines[i] ?? '').slice(indent));
      out.push({ kind: 'pre', text: code.join('\n') });
    } else if (/^#{1,4} /.test(line)) {
      const level = line.indexOf(' ');
      out.push({ kind: 'h', level, text: line.slice(level + 1) });
    } else if (/^\s*(- |\d+\. )/.test(line)) {
      const kind = /^\s*- /.test(line) ? 'ul' : 'ol';
      const last = out[out.length - 1];
      const item = line.replace(/^\s*(- |\d+\. )/, '');
      if (last && last.kind === kind) last.items.push(item);
      else out.push({ kind, items: [item] });
    } else if (line.trim() === '') {
      continue;
    } else {
      const last = out[out.length - 1];
      const prev = lines[i - 1] ?? '';
      if (last && (last.kind === 'ul' || last.kind === 'ol') && /^\s+\S/.test(line))
        last.items[last.items.length - 1] += ` ${line.trim()}`;
      else if (last && last.kind === 'p' && prev.trim() !== '') last.text += ` ${line.trim()}`;
      else out.push({ kind: 'p', text: line.trim() });
    }
  }
  return out;
}

/** `code`, **bold** and [links](…) inside a line; everything else as text. */
function Inline({ text }: { text: string }) {
  const parts = text.split(/(`[^`]+`|\*\*[^*]+\*\*|\[[^\]]+\]\([^)]+\))/g);
  return (
    <>
      {parts.map((p, i) => {
        if (p.startsWith('`') && p.endsWith('`')) return <code key={i}>{p.slice(1, -1)}</code>;
        if (p.startsWith('**') && p.endsWith('**')) return <strong key={i}>{p.slice(2, -2)}</strong>;
        const link = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(p);
        if (link) {
          const target = link[2] ?? '';
          const rule = /^([a-z_]+)\.md$/.exec(target);
          return rule ? (
            <Link key={i} to={`/alerts/${rule[1]}/runbook`}>
              {link[1]}
            </Link>
          ) : (
            <span key={i}>{link[1]}</span>
          );
        }
        return <span key={i}>{p}</span>;
      })}
    </>
  );
}

export function RunbookPage() {
  const { name = '' } = useParams();
  const runbook = useRunbook(name);
  return (
    <div className="screen runbook-page">
      <p>
        <Link to="/alerts">← Alerts</Link>
      </p>
      {runbook.isLoading && (
        <p className="loading" role="status">
          Loading the runbook…
        </p>
      )}
      {runbook.isError && (
        <p className="form-error" role="alert">
          {errorMessage(runbook.error)}
        </p>
      )}
      {runbook.data && (
        <article className="runbook card" data-testid="runbook">
          {blocks(runbook.data.markdown).map((b, i) => {
            if (b.kind === 'h') {
              const H = (b.level === 1 ? 'h1' : b.level === 2 ? 'h2' : 'h3') as 'h1';
              return (
                <H key={i}>
                  <Inline text={b.text} />
                </H>
              );
            }
            if (b.kind === 'pre') return <pre key={i}>{b.text}</pre>;
            if (b.kind === 'p')
              return (
                <p key={i}>
                  <Inline text={b.text} />
                </p>
              );
            const List = b.kind;
            return (
              <List key={i}>
                {b.items.map((item, j) => (
                  <li key={j}>
                    <Inline text={item} />
                  </li>
                ))}
              </List>
            );
          })}
          <p className="field-hint">{runbook.data.path}</p>
        </article>
      )}
    </div>
  );
}
