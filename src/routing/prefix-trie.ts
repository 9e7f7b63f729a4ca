/**
 * @module routing/prefix-trie — index of values by literal string prefix. Route resolution asks
 * it which patterns can match a name by walking the name once, so its cost grows with the
 * name's length, not with the number of profiles.
 */

interface Node<T> {
  children: Map<string, Node<T>> | undefined;
  values: T[] | undefined;
}

const node = <T>(): Node<T> => ({ children: undefined, values: undefined });

/** Values keyed by string prefixes; queries walk one string. */
export class PrefixTrie<T> {
  readonly #root: Node<T> = node();
  #size = 0;

  /** Number of values stored. */
  get size(): number {
    return this.#size;
  }

  /** Stores `value` under `prefix`. */
  add(prefix: string, value: T): void {
    let at = this.#root;
    for (const ch of prefix) {
      at.children ??= new Map();
      let next = at.children.get(ch);
      if (!next) at.children.set(ch, (next = node()));
      at = next;
    }
    (at.values ??= []).push(value);
    this.#size++;
  }

  /** Appends to `out` every value whose prefix is a prefix of `s` (shortest prefix first). */
  collectPrefixesOf(s: string, out: T[]): void {
    let at: Node<T> | undefined = this.#root;
    if (at.values) out.push(...at.values);
    for (const ch of s) {
      at = at.children?.get(ch);
      if (!at) return;
      if (at.values) out.push(...at.values);
    }
  }

  /**
   * Appends to `out` every value whose prefix is a prefix of `s` *or* starts with `s`: the values
   * whose strings can share a beginning with strings starting with `s`.
   */
  collectRelatedTo(s: string, out: T[]): void {
    let at: Node<T> | undefined = this.#root;
    if (at.values) out.push(...at.values);
    for (const ch of s) {
      at = at.children?.get(ch);
      if (!at) return;
      if (at.values) out.push(...at.values);
    }
    const stack = at.children ? [...at.children.values()] : [];
    for (let next = stack.pop(); next; next = stack.pop()) {
      if (next.values) out.push(...next.values);
      if (next.children) stack.push(...next.children.values());
    }
  }
}
