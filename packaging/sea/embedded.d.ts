/** The schema file's text, put into the bundle by packaging/bundle.ts. */
declare module 'lvsync-embedded:schema-text' {
  const text: string;
  export default text;
}
