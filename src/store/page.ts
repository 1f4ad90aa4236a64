/** Pagination: no limit means every row. Every list* method returns newest first. */
export interface Page {
  limit?: number;
  offset?: number;
}
