// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/** An 18-decimal token: the desk must refuse it as EVM_USDT_CONTRACT (a start-up test). */
contract NotUSDT is ERC20 {
    constructor() ERC20("Not USDT", "NOPE") {}
}
