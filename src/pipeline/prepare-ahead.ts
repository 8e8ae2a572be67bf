/**
 * Each database is prepared (created, its tables created) one database ahead: the next one's
 * CREATE DATABASE and DDL run while this one loads, so a run of many databases does not pay each
 * one's fixed costs in turn (≈ 0.1–0.25 s of server CPU for CREATE DATABASE alone). The next one
 * starts once this one is prepared, not beside it: two CREATE DATABASE at once would delay the
 * first database's loads, which wait for its own. Databases sharing one PostgreSQL database
 * (schema mapping) are prepared in turn: their DDL and resume state meet in that database.
 */

/** What a preparation holds until its load takes it over: a connection to close if it never does. */
export interface HeldConnection {
  readonly client: { end(): Promise<void> };
}

export class PrepareAhead<D extends { readonly pgName: string }, P extends HeldConnection> {
  private readonly started = new Map<number, Promise<P>>();
  private discarded = false;

  constructor(
    private readonly prepare: (db: D) => Promise<P>,
    private readonly dbs: readonly D[],
  ) {}

  /** Database `i`, prepared; the one after it starts its preparation once this one is prepared. */
  take(i: number): Promise<P> {
    const own = this.start(i);
    this.started.delete(i);
    const next = this.dbs[i + 1];
    if (next && this.dbs.every((d, j) => j === i + 1 || d.pgName !== next.pgName)) {
      own.then(
        () => void (this.discarded || this.start(i + 1)),
        () => undefined,
      );
    }
    return own;
  }

  private start(i: number): Promise<P> {
    let p = this.started.get(i);
    if (!p) {
      p = this.prepare(this.dbs[i]!);
      // Its failure is reported when its turn comes (or never, when an earlier database fails).
      p.catch(() => undefined);
      this.started.set(i, p);
    }
    return p;
  }

  /** Closes the connections of databases prepared ahead whose turn never came. */
  async discard(): Promise<void> {
    this.discarded = true;
    const left = [...this.started.values()];
    this.started.clear();
    await Promise.all(left.map((p) => p.then((x) => x.client.end()).catch(() => undefined)));
  }
}
