// Types for checking the Office.js stand-in (office.js) against Microsoft's `@types/office-js`
// with `tsc --checkJs`: the stand-in implements a part of each object, never anything more.
// Functions keep their declared signatures; objects are partial at every depth, and an object
// literal with a member the typings lack is an error ("may only specify known properties").
type DeepPartial<T> = T extends (...args: any[]) => any
  ? T
  : T extends Date
    ? T
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;
