package filtermap

// Validate of the element types, for the tests: users validate the blocks
// they send (FilterMap, GlobalParams, ...), which validate their elements.

func (v GlobalParam) Validate() error { return v.validate() }

func (v Where) Validate() error { return v.validate() }

func (v RowFilters) Validate() error { return v.validate() }

func (v RowFilter) Validate() error { return v.validate() }

func (v TreeGroup) Validate() error { return v.validate() }

func (v Dim) Validate() error { return v.validate() }

func (v ColumnFilters) Validate() error { return v.validate() }

func (v ColumnFilter) Validate() error { return v.validate() }

func (v DataMask) Validate() error { return v.validate() }

func (v TableFilters) Validate() error { return v.validate() }

func (v TableFilter) Validate() error { return v.validate() }

func (v ReportDataFilter) Validate() error { return v.validate() }

func (v DataModelFilter) Validate() error { return v.validate() }

func (v ResourcePermission) Validate() error { return v.validate() }

func (g GlobalParams) Validate() error { return validateEach("GlobalParam", g) }
