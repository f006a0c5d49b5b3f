"""Notifications delivered outside the pages: WeCom and DingTalk group robots, and e-mail."""
