// Python's class attributes (request_queue_size = 5, …) in TypeScript: each setting is a static on the server
// class, which subclasses override with `static requestQueueSize = 50`, and an accessor on instances that reads
// an instance's own value first. Statics, unlike subclass instance fields, are in place while the base
// constructor binds and listens.

const own = new WeakMap<object, Map<string, unknown>>();

/** The instance's own value of `name` if one was set, else the class's static (inherited along the class chain). */
export function readSetting<T>(instance: object, name: string): T {
  const values = own.get(instance);
  if (values?.has(name)) return values.get(name) as T;
  return (instance.constructor as unknown as Record<string, T>)[name]!;
}

export function writeSetting(instance: object, name: string, value: unknown): void {
  let values = own.get(instance);
  if (values === undefined) own.set(instance, (values = new Map()));
  values.set(name, value);
}
