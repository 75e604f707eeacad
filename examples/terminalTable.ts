/**
 * The terminal dashboard's drawing: a fixed-width table, redrawn in place on a terminal (ANSI
 * cursor moves), or one line per change when the output is a pipe or a file.
 */
import { type CallTable, type CallTableRow, formatCost, formatDate, formatDuration, statusText } from './callTable.js';

const COLUMNS = [
  { title: 'SID', width: 34 },
  { title: 'STATUS', width: 21 },
  { title: 'FROM', width: 13 },
  { title: 'TO', width: 13 },
  { title: 'DATE (UTC)', width: 16 },
  { title: 'TIME', width: 6 },
  { title: 'COST', width: 7 },
  { title: 'RECORDINGS', width: 10 },
] as const;

const cell = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));

function cellsOf(row: CallTableRow): string[] {
  const status = statusText(row);
  if (row.kind !== 'call') return [row.sid, status, '', '', '', '', '', ''];
  const { call } = row;
  const live = call.isFinal ? '' : ' (live)';
  const recordings = call.recordings.map((recording) => recording.format.toLowerCase()).join(' ');
  return [
    row.sid,
    `${status}${live}`,
    call.from ?? '',
    call.to ?? '',
    formatDate(call.date),
    formatDuration(call.durationSeconds),
    formatCost(call.cost),
    recordings,
  ];
}

export const headerLine = (): string => COLUMNS.map((column) => cell(column.title, column.width)).join('  ').trimEnd();

export const rowLine = (row: CallTableRow): string =>
  cellsOf(row)
    .map((text, index) => cell(text, COLUMNS[index]?.width ?? text.length))
    .join('  ')
    .trimEnd();

export function tableLines(table: CallTable): string[] {
  const lines = [headerLine(), ...table.rows.map(rowLine)];
  if (table.failure) lines.push(`error ${table.failure.extensions?.code ?? ''}: ${table.failure.message}`);
  return lines;
}

export interface Screen {
  write(text: string): void;
  /** true on a terminal: the table is redrawn in place */
  readonly isTTY?: boolean;
}

/** Draws the table once, then redraws the rows that change (in place on a terminal). */
export class TablePrinter {
  #drawnLines = 0;

  constructor(
    private readonly screen: Screen,
    private readonly table: CallTable,
  ) {}

  draw(): void {
    const lines = tableLines(this.table);
    this.screen.write(`${lines.join('\n')}\n`);
    this.#drawnLines = lines.length;
  }

  /** `changed`: row indexes; `at`: the clock shown on each change line when not on a terminal. */
  redraw(changed: readonly number[], at = new Date()): void {
    if (changed.length === 0) return;
    if (this.screen.isTTY) {
      // Up to the table's first line, rewrite every line (clearing each), back to the end.
      const lines = tableLines(this.table);
      this.screen.write(`\x1b[${this.#drawnLines}A${lines.map((line) => `\x1b[2K${line}`).join('\n')}\n`);
      this.#drawnLines = lines.length;
      return;
    }
    const time = at.toISOString().slice(11, 19);
    for (const index of new Set(changed)) {
      const row = this.table.rows[index];
      if (row) this.screen.write(`${time} update  ${rowLine(row)}\n`);
    }
  }
}
