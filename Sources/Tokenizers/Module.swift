// Tokenizers — module placeholder; its real files replace this one.
