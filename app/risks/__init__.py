"""The risk register: matrix, ratings, tolerance, treatment, acceptance and reviews."""
