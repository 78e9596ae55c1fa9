"""Photos: evidence taken on the phone, stored with the inspection and the defect it opens."""
