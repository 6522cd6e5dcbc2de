// all-MiniLM-L6-v2's tokenizer for the Node peers (bench/analyze-peer, bench/discordjs-peer): BERT uncased WordPiece, as
// the model was trained (lower case, strip accents, split on whitespace and punctuation), each text cut at maxTokens.
import fs from 'node:fs';

export function createTokenizer(vocabPath, maxTokens = 256) {
  const vocab = new Map(fs.readFileSync(vocabPath, 'utf8').split('\n').map((t, i) => [t.replace(/\r$/, ''), i]));
  const [CLS, SEP, UNK] = ['[CLS]', '[SEP]', '[UNK]'].map(t => vocab.get(t));
  const isPunct = ch => /\p{P}/u.test(ch) || /[!-\/:-@\[-`{-~]/.test(ch);
  function basicTokens(text) {
    const clean = text.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
    const words = [];
    let current = '';
    for (const ch of clean) {
      const cp = ch.codePointAt(0);
      if (/\s/.test(ch)) { if (current) words.push(current); current = ''; }
      else if (isPunct(ch) || (cp >= 0x4e00 && cp <= 0x9fff)) { if (current) words.push(current); words.push(ch); current = ''; }
      else if (cp === 0 || cp === 0xfffd || /\p{Cc}/u.test(ch)) { /* dropped */ }
      else current += ch;
    }
    if (current) words.push(current);
    return words;
  }
  function wordPiece(word) {
    if (word.length > 100) return [UNK];
    const pieces = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length, found = null;
      while (start < end) {
        const piece = (start > 0 ? '##' : '') + word.slice(start, end);
        if (vocab.has(piece)) { found = vocab.get(piece); break; }
        end--;
      }
      if (found === null) return [UNK];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }
  // The token ids of one text: [CLS], its pieces, [SEP].
  return function encode(text) {
    const ids = [CLS];
    for (const w of basicTokens(text)) {
      for (const id of wordPiece(w)) { if (ids.length < maxTokens - 1) ids.push(id); }
    }
    ids.push(SEP);
    return ids;
  };
}
