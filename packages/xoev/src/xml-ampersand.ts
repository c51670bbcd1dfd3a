/**
 * xmlbuilder2 (3.x) writes `&` unescaped wherever what follows looks like an entity reference: a sender's
 * "&e;" in a file name or reference made the message not well-formed (undefined entity, a dead letter),
 * and "&lt;" reached the reader as "<". Escaping every `&` first leaves it an `&amp;`, which it keeps.
 * For text and attribute values handed to xmlbuilder2 only.
 */
export function ampersandsEscaped(value: string): string {
  return value.replace(/&/g, '&amp;');
}
