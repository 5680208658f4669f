"""Reading a message: small readers, each returning what it found and the words it used (issue 20 moves the
rules here one reader at a time). `cues` judges whether a word is meant as a name; `numbers` reads decades and
length limits in other languages from `languages.yaml`."""
