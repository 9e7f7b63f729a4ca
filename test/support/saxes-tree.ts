/**
 * @module test/support/saxes-tree — the element tree xml-scan builds ({@link XmlElement}, with
 * source offsets), built instead by saxes, the streaming parser the gateway already uses for
 * client bodies. Two uses: an oracle for the xml-scan fuzz test (a document saxes accepts must
 * read the same through xml-scan), and the other contestant of bench/xml-parsers.ts, which asks
 * whether a well-kept parser could do xml-scan's job (rewrite names in place, keep every other
 * byte) through its positions.
 *
 * saxes reports `position` as an index into the JavaScript string, after the `>` of the tag it
 * just read; the tags' own starts are found from there, which is sound because a well-formed
 * document has no `<` inside a tag (attribute values may not hold one) and no `</` inside an end tag.
 */
import { SaxesParser } from "saxes";
import { XmlSyntaxError, type XmlElement } from "../../src/gateway/protocol/xml-scan.js";

type Mutable = { -readonly [K in keyof XmlElement]: XmlElement[K] };

/** Reads `xml` with saxes into xml-scan's tree. DOCTYPEs are refused, as xml-scan refuses them. */
export function parseXmlWithSaxes(xml: string): XmlElement {
  const parser = new SaxesParser({ position: true });
  const stack: Mutable[] = [];
  let root: Mutable | undefined;
  // Stop at the first error, as the gateway's own saxes reader does (saxes would go on and
  // build an Error per further fault, which is slow and not what is being compared).
  parser.on("error", (error) => {
    throw new XmlSyntaxError(`saxes: ${error.message}`, parser.position);
  });
  parser.on("doctype", () => {
    throw new XmlSyntaxError("DOCTYPE", parser.position);
  });
  parser.on("opentag", (tag) => {
    const openEnd = parser.position;
    const start = xml.lastIndexOf("<", openEnd - 1);
    const colon = tag.name.indexOf(":");
    const element: Mutable = {
      name: colon < 0 ? tag.name : tag.name.slice(colon + 1),
      qname: tag.name,
      children: [],
      text: "",
      start,
      openEnd,
      end: openEnd,
      contentStart: openEnd,
      contentEnd: openEnd,
      selfClosing: tag.isSelfClosing,
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  const addText = (text: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.text += text;
  };
  parser.on("text", addText);
  parser.on("cdata", addText);
  parser.on("closetag", () => {
    const element = stack.pop()!;
    if (element.selfClosing) return;
    element.end = parser.position;
    element.contentEnd = xml.lastIndexOf("</", element.end - 1);
  });
  parser.write(xml).close();
  if (!root) throw new XmlSyntaxError("no root element", 0);
  return root;
}
