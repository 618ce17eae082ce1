# Writes OUT, a C file defining accord_default_config[] with the bytes of IN.
file(READ ${IN} HEX HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BYTES "${HEX}")
file(WRITE ${OUT} "/* generated from config/accord.json */\nconst char accord_default_config[] = {${BYTES} 0x00};\n")
