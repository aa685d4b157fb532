// Package filtermap builds the row, column, table and resource permissions that
// Tencent Cloud BI and NetEase Youshu BI take when an embed token is minted, as
// typed Go values that validate before anything is sent.
//
// Youshu takes filterMap (row permissions), columnFilterMap, tableFilterMap,
// reportDataFilters and resourcePermissions as JSON objects in the genToken
// body; Tencent Cloud BI takes GlobalParams as a JSON string in
// CreateEmbedToken. Condition states one rule ("region is East or North") once
// and renders it for either vendor.
//
// Every type encodes to and decodes from exactly the documented wire JSON.
// The types are plain structs with JSON tags, so literals work; the
// constructors (NewListFilter, NewTreeFilter, NewColumnFilter,
// OriginalTables, NewRowModelFilter ...) fill the discriminator fields
// (filterType, type, produced) so they cannot be forgotten. Maps are keyed
// by data connection id in decimal digits.
//
// Wire details worth knowing:
//   - filterMap takes each connection's filters either as
//     {"rule": "and"|"or", "dataFilters": [...]} or, from before Youshu 5.2, as
//     a bare array meaning "and"; RowFilters encodes back the form it decoded.
//   - In reportDataFilters a dataModelFilter carries row filters or column
//     masks in the same dataFilters key; decoding sorts them into Rows or
//     Columns by shape and keeps the type as sent, for Validate to check.
//   - The optional lists (select, or, inlist, excludelist, resourceNamePaths)
//     are omitempty: an empty list is left out just like nil. Validate rejects
//     each empty list whose absence would mean something else, so no
//     restriction is dropped silently.
//
// Validate on a request block (FilterMap, ColumnFilterMap, TableFilterMap,
// ReportDataFilters, ResourcePermissions, GlobalParams) checks every element
// in it and returns a *ValidationError naming the first field that breaks a
// rule, with a path that starts with the request field name, such as
// filterMap["700006204"].dataFilters[1].tableExprId. A map's keys must be
// data connection ids in decimal digits; its entries are checked in key
// order, so the first problem reported is always the same.
package filtermap
