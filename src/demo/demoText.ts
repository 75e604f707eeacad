/** How demo mode's banner, tabs and the README write codes and durations. */

/** How the README and the banner name a code; `null` is a call that is null with no error. */
export const codeText = (code: string | null): string => code ?? 'null, no error';

/** `1.5 s` */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
