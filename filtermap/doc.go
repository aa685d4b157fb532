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
// (filterType, type, produced) so they cannot be forgotten. The optional
// lists (select, or, inlist, excludelist, resourceNamePaths) are omitempty;
// validation rejects each empty list whose absence would mean something
// else, so no restriction is dropped silently.
//
// Validate on a block (FilterMap, ColumnFilterMap, TableFilterMap,
// ReportDataFilters, ResourcePermissions; GlobalParams.Encode) returns a
// *ValidationError naming the first field that breaks a rule, by a path
// that starts with the wire field name, such as
// filterMap["700006204"].dataFilters[1].tableExprId. A map's keys must be
// data connection ids in decimal digits; entries are checked in key order.
package filtermap
