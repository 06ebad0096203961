// Python's class attributes (request_queue_size = 5, …) in TypeScript: each setting is a static on the server
// class, which subclasses override with `static requestQueueSize = 50`, and an accessor on instances that reads
// an instance's own value first. Statics, unlike subclass instance fields, are in place while the base
// constructor binds and listens. One mechanism for every setting of every server class and mix-in.

const own = new WeakMap<object, Map<string, unknown>>();

/** The instance's own value of `name` if one was set, else the class's static (inherited along the class chain). */
export function readSetting<T>(instance: object, name: string): T {
  const values = own.get(instance);
  if (values?.has(name)) return values.get(name) as T;
  return (instance.constructor as unknown as Record<string, T>)[name]!;
}

/** Gives `instance` its own value of `name`, which from then on hides the class's static. */
export function writeSetting(instance: object, name: string, value: unknown): void {
  let values = own.get(instance);
  if (values === undefined) own.set(instance, (values = new Map<string, unknown>()));
  values.set(name, value);
}

/**
 * Installs Python-style class-attribute settings on `Class`: for each name, an accessor on its prototype that
 * reads the instance's own value (set by assigning it) and else the static of the instance's class. Call it from
 * the class's static block (a mix-in: after its class body), and declare the instance side (`declare
 * requestQueueSize: number`, or a mix-in's instance interface) so that `server.requestQueueSize` has the static's
 * type.
 * @example
 * class TCPServer extends BaseServer {
 *   static requestQueueSize = 5;
 *   declare requestQueueSize: number;
 *   static {
 *     defineSettings(this, ["requestQueueSize"]);
 *   }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any class: a constructor's parameters vary
export function defineSettings<C extends abstract new (...args: any[]) => object>(
  Class: C,
  names: ReadonlyArray<keyof C & string>,
): void {
  for (const name of names) {
    Object.defineProperty(Class.prototype, name, {
      configurable: true,
      get(this: object) {
        return readSetting<unknown>(this, name);
      },
      set(this: object, value: unknown) {
        writeSetting(this, name, value);
      },
    });
  }
}

/** A class whose instances also carry the settings `K`, typed as the class's statics. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any class: a constructor's parameters vary
export type WithSettings<C extends abstract new (...args: any[]) => object, K extends keyof C> = C &
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  (abstract new (...args: any[]) => InstanceType<C> & { [P in K]: C[P] });

/**
 * defineSettings() for a mix-in's class, returning the class typed with its instance settings: a class expression
 * inside a function cannot be merged with an interface, and `declare` fields would only repeat the statics.
 * @example
 * return withSettings(Threading, ["daemonThreads", "blockOnClose"]);
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any class: a constructor's parameters vary
export function withSettings<C extends abstract new (...args: any[]) => object, K extends keyof C & string>(
  Class: C,
  names: readonly K[],
): WithSettings<C, K> {
  defineSettings(Class, names);
  // The accessors defineSettings() just installed are what this type describes.
  return Class as WithSettings<C, K>;
}
