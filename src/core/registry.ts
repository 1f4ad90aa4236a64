/** A name → adapter map: adding an adapter is one file and one `register` line. */
export class Registry<T> {
  private readonly items = new Map<string, T>();

  constructor(private readonly what: string) {}

  register(name: string, item: T): this {
    if (this.items.has(name)) throw new Error(`${this.what} "${name}" is registered twice`);
    this.items.set(name, item);
    return this;
  }

  get(name: string): T {
    const item = this.items.get(name);
    if (!item) throw new Error(`unknown ${this.what} "${name}" (known: ${this.names().join(', ')})`);
    return item;
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  names(): string[] {
    return [...this.items.keys()];
  }
}
