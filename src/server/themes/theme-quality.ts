/**
 * How well themes match known arguments (a labelled fixture, a synthetic bench): the figures of
 * decision 028's addendum. Pure code.
 * - purity: of the labelled comments in themes, the share whose theme's majority argument is theirs;
 * - largest share: per argument, the share of its comments (in themes or not) in the theme that
 *   holds most of them, averaged over arguments (1 = each argument in one theme);
 * - themes per argument: per argument, the themes in which it is the majority, averaged (1 = one
 *   theme each; more = split);
 * - merged arguments: arguments whose largest theme is another argument's (its majority is not
 *   theirs): two arguments read as one;
 * - lone themes: themes whose majority is unlabelled (comments that argue nothing the labels know).
 */
export interface LabelledTheme {
  /** The argument of each comment in the theme (null: unlabelled), a campaign copy once per copy. */
  labels: (string | null)[];
}

export interface ThemeQuality {
  themes: number;
  arguments: number;
  purity: number;
  largestShare: number;
  themesPerArgument: number;
  mergedArguments: string[];
  loneThemes: number;
  /** Share of the labelled comments that are in a theme (not left alone / in 其他). */
  inThemes: number;
}

/** The figures for `themes` (其他 excluded), given every labelled comment's argument (`all`). */
export function themeQuality(themes: LabelledTheme[], all: (string | null)[]): ThemeQuality {
  const total = new Map<string, number>();
  for (const a of all) if (a) total.set(a, (total.get(a) ?? 0) + 1);
  const largest = new Map<string, number>();
  /** Per argument, whether the theme holding most of it is its own (its majority). */
  const ownLargest = new Map<string, boolean>();
  const majorityOf = new Map<string, number>();
  let pure = 0;
  let labelled = 0;
  let lone = 0;
  for (const t of themes) {
    const counts = new Map<string | null, number>();
    for (const l of t.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const [top] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] === null ? 1 : b[0] === null ? -1 : 0));
    if (!top) continue;
    if (top[0] === null) lone++;
    else majorityOf.set(top[0], (majorityOf.get(top[0]) ?? 0) + 1);
    let best = 0;
    for (const [l, n] of counts) {
      if (l === null) continue;
      labelled += n;
      best = Math.max(best, n);
      if (n > (largest.get(l) ?? 0)) {
        largest.set(l, n);
        ownLargest.set(l, top[0] === l);
      }
    }
    pure += best;
  }
  const args = [...total.keys()];
  const merged = args.filter((a) => (largest.get(a) ?? 0) >= 2 && !ownLargest.get(a));
  return {
    themes: themes.length,
    arguments: args.length,
    purity: labelled ? pure / labelled : 1,
    largestShare: args.length ? args.reduce((s, a) => s + (largest.get(a) ?? 0) / total.get(a)!, 0) / args.length : 1,
    themesPerArgument: args.length ? args.reduce((s, a) => s + (majorityOf.get(a) ?? 0), 0) / args.length : 0,
    mergedArguments: merged,
    loneThemes: lone,
    inThemes: all.filter(Boolean).length ? labelled / all.filter(Boolean).length : 1,
  };
}
