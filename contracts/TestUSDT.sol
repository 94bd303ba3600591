// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * A 6-decimal stand-in for USDT on a local chain (npm run chain:dev, the chain tests). Like Tether's
 * contract it can block an address: a transfer from or to a blocked address reverts, which is how the
 * tests make a transfer fail on chain after it was signed.
 */
contract TestUSDT is ERC20 {
    address public immutable owner;
    mapping(address => bool) public isBlackListed;

    constructor() ERC20("Test Tether USD", "USDT") {
        owner = msg.sender;
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        require(msg.sender == owner, "only the owner mints");
        _mint(to, amount);
    }

    function setBlackListed(address who, bool blocked) external {
        require(msg.sender == owner, "only the owner blocks");
        isBlackListed[who] = blocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!isBlackListed[from] && !isBlackListed[to], "blacklisted");
        super._update(from, to, value);
    }
}
