// search-options.js: the search index's options, shared by the build (scripts/search-index.mjs,
// which writes the index) and the browser (web/search.js, which loads it): MiniSearch needs the
// same fields and term processing on both sides, and functions are not serialized.

// Words too common to tell sections apart: left out of the index and of queries.
const STOP = new Set(('a an and are as at be by for from has have in is it its of on or that the this to was were ' +
  'which with we our us you your it\'s can will').split(' '));

export const SEARCH_OPTIONS = {
  fields: ['title', 'heading', 'terms', 'body'],
  storeFields: ['slug', 'num', 'chapter', 'heading', 'anchor', 'text'],
  processTerm: (term) => {
    const t = term.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
    return t.length < 2 && !/\d/.test(t) ? null : STOP.has(t) ? null : t;
  },
};

// How a query is searched: the chapter's title counts most, then a section's heading, then what
// it emphasises (where a term is defined), then its prose. The last word typed is a prefix
// ("softm" finds softmax); words of five letters or more forgive one slip in five.
export const QUERY_OPTIONS = {
  boost: { title: 6, heading: 3, terms: 2, body: 1 },
  prefix: (term, i, terms) => i === terms.length - 1,
  fuzzy: (term) => (term.length >= 5 ? 0.2 : 0),
  combineWith: 'AND',
};
