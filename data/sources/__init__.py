"""Where facts come from: Ofsted releases, tracker CSV, DfE neighbours, boundary files, the seed.

Parsers turn files into records (``records.py``) with the file, sheet, row and column of each
value; the importer validates them all and writes them in one transaction.
"""
