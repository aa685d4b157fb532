package clientsetting

// Validate of the parts, for the tests: users validate what they send
// (ClientSetting, ChatBIConfig), which validates its parts.

func (v *Integrate) Validate() error { return v.validate() }

func (v FilterDefault) Validate() error { return v.validate() }

func (v *ChatBI) Validate() error { return v.validate() }

func (v ChatBIConfigItem) Validate() error { return v.validate() }

func (c *ChatBIConfig) Validate() error {
	if c == nil {
		return nil
	}
	return c.validate()
}
