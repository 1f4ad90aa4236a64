/** A small RFC 4180 reader: enough for logparser's structured CSVs (quoted fields, "" escapes, commas). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The named column of a CSV with a header row. */
export function column(rows: string[][], name: string): string[] {
  const header = rows[0] ?? [];
  const idx = header.indexOf(name);
  if (idx < 0) throw new Error(`CSV has no column ${name} (has ${header.join(', ')})`);
  return rows.slice(1).map((r) => r[idx] ?? '');
}
