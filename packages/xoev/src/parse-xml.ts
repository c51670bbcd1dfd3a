import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { WeicheError, ErrorCode, inputProblem } from '@weiche/core';
import { parseXml as parseStrict, XmlSyntaxError } from '@weiche/xml';

/**
 * Parses XML form data into a plain object for mapping modules (attributes as `@_name`, namespace prefixes
 * kept). The hub's one XML reader checks it first: a DOCTYPE, entity declarations or non-UTF-8 content is a
 * SYNTAX_VIOLATION of the data — never passed on to a back office; malformed → SCHEMA_VIOLATION.
 */
export function parseXml(content: string | Buffer): unknown {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  try {
    parseStrict(text);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw inputProblem(ErrorCode.SYNTAX_VIOLATION, `XML data refused: ${e.message}`, { part: 'data' });
    throw e;
  }
  const check = XMLValidator.validate(text);
  if (check !== true) {
    // Only the position and libxml-style reason: the offending text may be personal data.
    throw new WeicheError(ErrorCode.SCHEMA_VIOLATION, `XML not well-formed at line ${check.err.line}: ${check.err.code}`, {
      status: 422,
      retryable: false,
    });
  }
  // fast-xml-parser never fetches external entities (it refuses them), so DOCTYPE tricks cannot read files (XXE).
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, parseAttributeValue: false, trimValues: true });
  try {
    return parser.parse(text) as unknown;
  } catch (e) {
    // e.g. DOCTYPE with external entities, which fast-xml-parser refuses outright.
    throw new WeicheError(ErrorCode.SCHEMA_VIOLATION, 'XML rejected by the parser (external entities or unsupported DOCTYPE)', {
      status: 422,
      retryable: false,
      cause: e,
    });
  }
}
