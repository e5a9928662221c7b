"""Electronic certificates (电子证明) for every service that issues them: settings, codes, signatures, the stored
record, the PDF and the API shapes. A service keeps its own table and rules; what is the same lives here once."""
